//! `awsmfa policies`: prints the IAM policy starter kit, a CloudFormation template.

use crate::error::Result;
use crate::ui;

pub fn run() -> Result<()> {
    ui::stdout(include_str!("../../policies/awsmfa-policies.yaml"))
}
