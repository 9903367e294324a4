//! Top-level pages of the shell. Domain pages live in their domain modules.

mod home;
mod status;

pub use home::HomePage;
pub use status::StatusPage;
