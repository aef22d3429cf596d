//! End-to-end tests across the framework, in one binary: sessions over memory
//! and renet UDP, rooms, recordings, convergence properties, bad input and hosts,
//! desync healing, relay, a session taken over by a client, the CRUD example
//! and the Agones client.

mod agones;
mod bad_host;
mod bad_input;
mod conformance;
mod convergence;
mod crud_books;
mod desync;
mod migration;
mod netns;
mod recording;
mod relay;
mod renet_big_and_coded;
mod renet_udp;
mod rooms;
mod sessions;
mod takeover;
mod websocket;
