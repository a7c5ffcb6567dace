#![allow(dead_code)]
pub mod smtp;
