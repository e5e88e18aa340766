pub mod badinput;
pub mod cbuild;
