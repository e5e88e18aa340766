/**
 * rmsg for Java: receive socket messages with their control data decoded
 * (descriptors, credentials, packet info, TTL, ECN, timestamps, GRO
 * segments, errors) and send them with control messages, through librmsg
 * and the Foreign Function &amp; Memory API (no JNI). Run with
 * {@code --enable-native-access=rmsg}.
 */
module rmsg {
    exports rmsg;
}
