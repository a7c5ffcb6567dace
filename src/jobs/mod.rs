//! Clinical scheduling: escalations, the morning review digest and missed
//! check-ins, run on a tick inside `serve`, each calling the use cases.

pub mod scheduler;
