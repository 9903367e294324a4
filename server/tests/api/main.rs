//! Integration tests: the real server on port 0 with a fresh database
//! (SQLite in a temp dir, or a new PostgreSQL database when
//! `TEST_POSTGRES_URL` is set).

mod binary;
mod health;
mod helpers;
mod pages;
mod security;
