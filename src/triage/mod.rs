//! placeholder until the triage module lands
