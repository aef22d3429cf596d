//! The canonical binary encoding: bincode 2, `standard()` configuration
//! (little-endian, variable-length integers), with a size limit on every decode.

use bincode::config::{Configuration, Limit, LittleEndian, Varint};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest WorkSpace snapshot Tickline will encode or decode (64 MiB).
pub const MAX_STATE_BYTES: usize = 64 << 20;

/// The canonical configuration (no limit; decoding goes through [`decode`]).
pub const CANONICAL: Configuration<LittleEndian, Varint> = bincode::config::standard();

/// Failure to encode or decode bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The value could not be encoded.
    #[error("encode failed: {0}")]
    Encode(#[from] bincode::error::EncodeError),
    /// The bytes are not a valid encoding of the expected type.
    #[error("decode failed: {0}")]
    Decode(#[from] bincode::error::DecodeError),
    /// The input is larger than the limit for this kind of data.
    #[error("{len} bytes is over the limit of {limit} bytes")]
    TooLarge {
        /// Input length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The state decoded but its game refused it.
    #[error(transparent)]
    Invalid(#[from] crate::model::InvalidState),
    /// A valid value was followed by bytes that belong to nothing.
    #[error("{extra} unexpected bytes after the value")]
    TrailingBytes {
        /// How many bytes were left over.
        extra: usize,
    },
}

/// Encodes a value in the canonical encoding.
///
/// # Errors
///
/// [`CodecError::Encode`] if serde refuses the value (e.g. a map with non-string
/// keys that the type's `Serialize` cannot write).
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, CodecError> {
    Ok(bincode::serde::encode_to_vec(value, CANONICAL)?)
}

/// Appends a value's canonical encoding to `out` and returns its length (no
/// buffer of its own: what writes many small records uses).
///
/// # Errors
///
/// As [`encode`]; `out` may then hold part of the encoding.
pub fn encode_into<T: Serialize + ?Sized>(
    value: &T,
    out: &mut Vec<u8>,
) -> Result<usize, CodecError> {
    Ok(bincode::serde::encode_into_std_write(
        value, out, CANONICAL,
    )?)
}

/// Decodes exactly one value from `bytes`, refusing more than `LIMIT` bytes of
/// input or of claimed allocations, and refusing trailing bytes.
///
/// # Errors
///
/// [`CodecError::TooLarge`], [`CodecError::Decode`] or [`CodecError::TrailingBytes`].
pub fn decode<T: DeserializeOwned, const LIMIT: usize>(bytes: &[u8]) -> Result<T, CodecError> {
    if bytes.len() > LIMIT {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            limit: LIMIT,
        });
    }
    let config: Configuration<LittleEndian, Varint, Limit<LIMIT>> = CANONICAL.with_limit();
    let (value, read) = bincode::serde::decode_from_slice(bytes, config)?;
    if read != bytes.len() {
        return Err(CodecError::TrailingBytes {
            extra: bytes.len() - read,
        });
    }
    Ok(value)
}

/// Encodes a WorkSpace (or any state) for a snapshot.
///
/// # Errors
///
/// As [`encode`], plus [`CodecError::TooLarge`] above [`MAX_STATE_BYTES`].
pub fn encode_state<T: Serialize>(state: &T) -> Result<Vec<u8>, CodecError> {
    let bytes = encode(state)?;
    if bytes.len() > MAX_STATE_BYTES {
        return Err(CodecError::TooLarge {
            len: bytes.len(),
            limit: MAX_STATE_BYTES,
        });
    }
    Ok(bytes)
}

/// Decodes a snapshot made by [`encode_state`] and checks it with
/// [`WorkSpace::validate`](crate::WorkSpace::validate).
///
/// # Errors
///
/// As [`decode`] with the [`MAX_STATE_BYTES`] limit, or [`CodecError::Invalid`].
pub fn decode_state<W: crate::WorkSpace>(bytes: &[u8]) -> Result<W, CodecError> {
    let state: W = decode::<W, MAX_STATE_BYTES>(bytes)?;
    state.validate()?;
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_trailing_bytes() {
        let bytes = encode(&(7u32, String::from("hi"))).expect("encodes");
        let back: (u32, String) = decode::<_, 64>(&bytes).expect("decodes");
        assert_eq!(back, (7, "hi".to_string()));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            decode::<(u32, String), 64>(&longer),
            Err(CodecError::TrailingBytes { extra: 1 })
        ));
    }

    #[test]
    fn limits_refuse_large_inputs_and_claims() {
        let bytes = encode(&vec![0u8; 100]).expect("encodes");
        assert!(matches!(
            decode::<Vec<u8>, 16>(&bytes),
            Err(CodecError::TooLarge { .. })
        ));
        // A length prefix claiming 2^40 elements in a short input.
        let bogus = encode(&(1u64 << 40)).expect("encodes");
        assert!(decode::<Vec<u64>, 1024>(&bogus).is_err());
    }
}
