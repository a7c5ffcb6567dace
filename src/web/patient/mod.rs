//! Pages for patients: home, the daily check-in, its result and the history.

pub mod checkin;
pub mod home;
pub mod photos;
pub mod unsubscribe;

pub use home::patient_home;
