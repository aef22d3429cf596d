//! Join codes: short secrets a LAN host prints and players type in. Both sides
//! derive the netcode key from the code, so a client without it can neither join
//! nor hold a slot.

use std::fmt;

use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

/// Letters and digits that cannot be misread aloud or on screen (no 0/O, 1/I/L).
const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Characters in a code (shown as two groups of four).
const LEN: usize = 8;
/// Separates the key derivation of join codes from any other use of ChaCha.
/// (The bytes keep the name these codes had before they were called join codes.)
const DOMAIN: &[u8; 24] = b"tickline room code key 1";

/// A join code such as `K7QM-3XTD`: eight characters from an alphabet without
/// look-alikes (about 40 bits).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JoinCode([u8; LEN]);

/// A string that is not a join code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinCodeError {
    /// Not eight characters (besides one optional dash).
    #[error("a join code has 8 characters, like K7QM-3XTD (got {0})")]
    Length(usize),
    /// A character outside the code alphabet.
    #[error("{0:?} cannot appear in a join code (codes use 2-9 and A-Z without I, L, O)")]
    Character(char),
}

impl JoinCode {
    /// A fresh random code (from the OS-seeded hasher keys and the time).
    pub fn generate() -> Self {
        let mut seed = [0u8; 32];
        for chunk in seed.chunks_mut(8) {
            chunk.copy_from_slice(&super::random_u64().to_le_bytes());
        }
        let mut rng = ChaCha20Rng::from_seed(seed);
        let mut code = [0u8; LEN];
        for c in &mut code {
            // 31 does not divide 2^32: reject the top to stay uniform.
            let limit = u32::MAX - u32::MAX % 31;
            let value = loop {
                let v = rng.next_u32();
                if v < limit {
                    break v;
                }
            };
            *c = ALPHABET[(value % 31) as usize];
        }
        JoinCode(code)
    }

    /// Reads a code as a person typed it: any case, with or without the dash.
    ///
    /// # Errors
    ///
    /// [`JoinCodeError`] for a wrong length or a character outside the alphabet.
    pub fn parse(text: &str) -> Result<Self, JoinCodeError> {
        let trimmed = text.trim();
        let chars: Vec<char> = trimmed
            .chars()
            .enumerate()
            .filter(|&(i, c)| !(c == '-' && i == LEN / 2))
            .map(|(_, c)| c.to_ascii_uppercase())
            .collect();
        if chars.len() != LEN {
            return Err(JoinCodeError::Length(trimmed.chars().count()));
        }
        let mut code = [0u8; LEN];
        for (slot, c) in code.iter_mut().zip(chars) {
            let byte = u8::try_from(c).map_err(|_| JoinCodeError::Character(c))?;
            if !ALPHABET.contains(&byte) {
                return Err(JoinCodeError::Character(c));
            }
            *slot = byte;
        }
        Ok(JoinCode(code))
    }

    /// The 32-byte netcode key derived from the code.
    pub fn key(&self) -> [u8; 32] {
        let mut seed = [0u8; 32];
        seed[..LEN].copy_from_slice(&self.0);
        seed[LEN..].copy_from_slice(DOMAIN);
        let mut key = [0u8; 32];
        ChaCha20Rng::from_seed(seed).fill_bytes(&mut key);
        key
    }
}

impl fmt::Display for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = String::from_utf8_lossy(&self.0);
        write!(f, "{}-{}", &text[..LEN / 2], &text[LEN / 2..])
    }
}

impl fmt::Debug for JoinCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JoinCode(..)")
    }
}

impl std::str::FromStr for JoinCode {
    type Err = JoinCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JoinCode::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_in_any_case_with_or_without_the_dash() {
        let code = JoinCode::generate();
        let shown = code.to_string();
        assert_eq!(shown.len(), 9);
        assert_eq!(&shown[4..5], "-");
        assert!(
            shown
                .chars()
                .all(|c| c == '-' || ALPHABET.contains(&(c as u8)))
        );
        assert_eq!(JoinCode::parse(&shown), Ok(code.clone()));
        assert_eq!(JoinCode::parse(&shown.to_lowercase()), Ok(code.clone()));
        assert_eq!(JoinCode::parse(&shown.replace('-', "")), Ok(code));
    }

    #[test]
    fn look_alikes_and_wrong_lengths_are_refused() {
        assert_eq!(
            JoinCode::parse("K7QM-3XT0"),
            Err(JoinCodeError::Character('0'))
        );
        assert_eq!(
            JoinCode::parse("k7qm-3xtl"),
            Err(JoinCodeError::Character('L'))
        );
        assert_eq!(JoinCode::parse("K7QM"), Err(JoinCodeError::Length(4)));
    }

    #[test]
    fn the_key_is_pinned_and_differs_per_code() {
        let a = JoinCode::parse("K7QM-3XTD").expect("valid");
        let b = JoinCode::parse("K7QM-3XTE").expect("valid");
        assert_eq!(a.key()[..8], [196, 36, 37, 13, 155, 152, 93, 153]);
        assert_ne!(a.key(), b.key());
    }
}
