//! Email: rendering messages from templates, building them safely, sending
//! them over SMTP or into a folder, and the retry timing of the outbox.

pub mod backoff;
pub mod message;
pub mod scheduler;
pub mod transport;
pub mod worker;
