//! The transport conformance suite (`tickline::testing::conformance`) against
//! every transport Tickline ships, and the link conditioner over each.

use tickline::testing::conformance::{ConditionedKit, MemoryKit, RenetKit, WsKit};

tickline::conformance_suite!(memory, MemoryKit::default());
tickline::conformance_suite!(renet, RenetKit::default());
tickline::conformance_suite!(websocket, WsKit);
tickline::conformance_suite!(
    conditioned_memory,
    ConditionedKit::bad_link(MemoryKit::default())
);
tickline::conformance_suite!(
    conditioned_renet,
    ConditionedKit::bad_link(RenetKit::default())
);
tickline::conformance_suite!(conditioned_websocket, ConditionedKit::bad_link(WsKit));
