//! placeholder until the triage module lands
// Replaced by the triage branch.
#[derive(Debug, Default, serde::Serialize)]
pub struct RuleSettings {}
