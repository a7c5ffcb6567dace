//! Email delivery: building messages safely, sending them over SMTP or into
//! a folder, the outbox worker and its retry timing. Knows nothing clinical.

pub mod backoff;
pub mod message;
pub mod smtp_pool;
pub mod transport;
pub mod worker;
