#![allow(dead_code)]
pub mod app;
