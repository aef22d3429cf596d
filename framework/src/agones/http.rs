//! One HTTP POST to the sidecar, with what became of it.

use std::time::Duration;

use ureq::Agent;

/// How a call went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Outcome {
    /// A 2xx answer.
    Accepted,
    /// An answer with another status.
    Refused(u16),
    /// No answer: the sidecar is not listening (yet), or timed out.
    Unreachable(String),
}

/// A blocking HTTP client bound to the sidecar's address.
pub(super) struct Sidecar {
    agent: Agent,
    base: String,
}

impl Sidecar {
    pub(super) fn new(addr: &str, timeout: Duration) -> Self {
        let agent: Agent = Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .build()
            .into();
        Sidecar {
            agent,
            base: format!("http://{addr}"),
        }
    }

    /// `POST path` with a JSON body.
    pub(super) fn post(&self, path: &str, body: &str) -> Outcome {
        let url = format!("{}{path}", self.base);
        match self
            .agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body)
        {
            Ok(response) => {
                let status = response.status().as_u16();
                if (200..300).contains(&status) {
                    Outcome::Accepted
                } else {
                    Outcome::Refused(status)
                }
            }
            Err(e) => Outcome::Unreachable(e.to_string()),
        }
    }
}
