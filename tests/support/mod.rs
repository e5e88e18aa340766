pub mod cbuild;
