//! An agent as the owner defines it (`PUT agents/{id}`).

use crate::domain::text::{display_name, invalid};
use crate::error::ApiError;
use presenza_protocol::body::AgentBody;
use presenza_protocol::limits::MAX_GROUPS_PER_AGENT;
use presenza_protocol::GroupId;

/// A validated agent definition. Whether its groups exist is checked
/// against the site by the caller (the rules' `check_agent_groups`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgentInput {
    pub name: String,
    /// Sorted, without duplicates.
    pub groups: Vec<GroupId>,
    /// A plausible address (the rules' check), trimmed.
    pub email: Option<String>,
}

impl AgentInput {
    pub fn parse(body: AgentBody) -> Result<AgentInput, ApiError> {
        Ok(AgentInput {
            name: display_name("name", &body.name)?,
            groups: group_list(body.groups)?,
            email: body.email.as_deref().map(email_address).transpose()?,
        })
    }
}

/// An e-mail address an owner gives (an agent's, the site's notification
/// address): the rules' check, trimmed.
pub fn email_address(text: &str) -> Result<String, ApiError> {
    presenza_rules::conversation::validate_email(text)
        .map(str::to_owned)
        .map_err(|e| ApiError::from_rule(&e))
}

/// An agent's group list: syntax, duplicates removed, count.
pub fn group_list(groups: Vec<String>) -> Result<Vec<GroupId>, ApiError> {
    if groups.len() > MAX_GROUPS_PER_AGENT {
        return Err(invalid(
            "groups",
            format!("at most {MAX_GROUPS_PER_AGENT} groups"),
        ));
    }
    let mut out: Vec<GroupId> = Vec::with_capacity(groups.len());
    for g in groups {
        let Some(id) = GroupId::parse(&g) else {
            let shown: String = g.chars().take(60).collect();
            return Err(ApiError::bad_request(
                "unknown_group",
                format!("no group `{shown}` on this site"),
            ));
        };
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_lists() {
        assert_eq!(
            group_list(vec!["b".into(), "a".into(), "b".into()]).unwrap(),
            vec![GroupId::parse("a").unwrap(), GroupId::parse("b").unwrap()]
        );
        assert_eq!(
            group_list(vec!["A".into()]).unwrap_err().code(),
            "unknown_group"
        );
        assert_eq!(
            group_list(vec!["a".into(); MAX_GROUPS_PER_AGENT + 1])
                .unwrap_err()
                .code(),
            "invalid_field"
        );
    }
}
