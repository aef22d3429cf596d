//! The messages a WebSocket connection opens with, after the HTTP upgrade:
//! the host's challenge, the client's answer, the host's welcome.

use crate::transport::JoinCode;

/// Every opening message starts with these bytes and the version.
const MAGIC: &[u8; 4] = b"TLWS";
/// Version of the opening exchange.
const VERSION: u8 = 1;
/// Separates the proof's hash from any other keyed hash of a code's key.
const PROOF_DOMAIN: &[u8] = b"tickline websocket proof 1";

/// Close codes of refusals (4000–4999 are the application's, RFC 6455 7.4.2).
pub(super) mod close {
    /// Another game, or another version of this one.
    pub(crate) const PROTOCOL: u16 = 4001;
    /// A room code is needed and the answer did not prove it.
    pub(crate) const CODE: u16 = 4003;
    /// The opening exchange was not followed.
    pub(crate) const HANDSHAKE: u16 = 4002;
    /// A message broke the transport's rules (size, channel tag).
    pub(crate) const VIOLATION: u16 = 4004;
}

/// The host's challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Challenge {
    pub(super) protocol_id: u64,
    pub(super) nonce: [u8; 16],
    pub(super) code_required: bool,
}

impl Challenge {
    const LEN: usize = 5 + 8 + 16 + 1;

    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = header();
        out.extend_from_slice(&self.protocol_id.to_le_bytes());
        out.extend_from_slice(&self.nonce);
        out.push(u8::from(self.code_required));
        out
    }

    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
        let body = body(bytes, Self::LEN)?;
        Some(Challenge {
            protocol_id: u64::from_le_bytes(body[..8].try_into().ok()?),
            nonce: body[8..24].try_into().ok()?,
            code_required: match body[24] {
                0 => false,
                1 => true,
                _ => return None,
            },
        })
    }
}

/// The client's answer: its protocol id and, where a code is needed, the proof.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Answer {
    pub(super) protocol_id: u64,
    pub(super) proof: [u8; 32],
}

impl Answer {
    const LEN: usize = 5 + 8 + 32;

    /// The answer to `challenge` of a client holding `code`.
    pub(super) fn to(challenge: &Challenge, protocol_id: u64, code: Option<&JoinCode>) -> Self {
        Answer {
            protocol_id,
            proof: code.map_or([0; 32], |c| proof(c, challenge)),
        }
    }

    pub(super) fn encode(&self) -> Vec<u8> {
        let mut out = header();
        out.extend_from_slice(&self.protocol_id.to_le_bytes());
        out.extend_from_slice(&self.proof);
        out
    }

    pub(super) fn decode(bytes: &[u8]) -> Option<Self> {
        let body = body(bytes, Self::LEN)?;
        Some(Answer {
            protocol_id: u64::from_le_bytes(body[..8].try_into().ok()?),
            proof: body[8..40].try_into().ok()?,
        })
    }
}

/// The host's welcome: the connection is open.
pub(super) fn welcome() -> Vec<u8> {
    let mut out = header();
    out.extend_from_slice(b"OK");
    out
}

/// Whether `bytes` is the host's welcome.
pub(super) fn is_welcome(bytes: &[u8]) -> bool {
    body(bytes, 7) == Some(b"OK")
}

/// The keyed hash that proves a client knows `code`, for this challenge only.
pub(super) fn proof(code: &JoinCode, challenge: &Challenge) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_keyed(&code.key());
    hasher.update(PROOF_DOMAIN);
    hasher.update(&challenge.protocol_id.to_le_bytes());
    hasher.update(&challenge.nonce);
    *hasher.finalize().as_bytes()
}

/// Compares two proofs in time that does not depend on where they differ.
pub(super) fn proofs_match(a: &[u8; 32], b: &[u8; 32]) -> bool {
    blake3::Hash::from(*a) == blake3::Hash::from(*b)
}

fn header() -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    out
}

/// What follows the header in a message of exactly `len` bytes.
fn body(bytes: &[u8], len: usize) -> Option<&[u8]> {
    if bytes.len() != len || bytes.get(..4)? != MAGIC || bytes.get(4)? != &VERSION {
        return None;
    }
    bytes.get(5..)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn challenge() -> Challenge {
        Challenge {
            protocol_id: 77,
            nonce: [9; 16],
            code_required: true,
        }
    }

    #[test]
    fn opening_messages_read_back_and_refuse_other_bytes() {
        let c = challenge();
        assert_eq!(Challenge::decode(&c.encode()), Some(c.clone()));
        let a = Answer::to(&c, 77, None);
        assert_eq!(Answer::decode(&a.encode()), Some(a));
        assert!(is_welcome(&welcome()));
        let mut wrong = c.encode();
        wrong[4] = 2;
        assert_eq!(Challenge::decode(&wrong), None, "another version");
        assert_eq!(Challenge::decode(&c.encode()[..20]), None, "truncated");
        assert!(!is_welcome(&c.encode()));
        let mut flag = c.encode();
        flag[29] = 7;
        assert_eq!(Challenge::decode(&flag), None, "a flag is 0 or 1");
    }

    #[test]
    fn a_proof_is_pinned_and_holds_for_its_code_and_nonce_only() {
        let code = JoinCode::parse("K7QM-3XTD").expect("a code");
        let other = JoinCode::parse("K7QM-3XTE").expect("a code");
        let c = challenge();
        let p = proof(&code, &c);
        assert_eq!(p[..6], [96, 39, 217, 188, 20, 165]);
        assert!(proofs_match(&p, &proof(&code, &c)));
        assert!(!proofs_match(&p, &proof(&other, &c)));
        let fresh = Challenge {
            nonce: [10; 16],
            ..c
        };
        assert!(!proofs_match(&p, &proof(&code, &fresh)));
    }
}
