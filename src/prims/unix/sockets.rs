//! `unix` primitives on sockets and the network databases: socket, socketpair, bind,
//! connect, listen, accept, send/recv, shutdown, socket options, names and addresses,
//! `getaddrinfo`/`getnameinfo`, host, protocol and service entries.

use crate::prims::PrimFn;

pub const PRIMS: &[(&str, PrimFn)] = &[];
