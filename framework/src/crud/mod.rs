//! crud
