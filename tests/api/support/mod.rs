#![allow(dead_code)]
pub mod app;
pub mod smtp;
