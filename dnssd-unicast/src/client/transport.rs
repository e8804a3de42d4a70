//! Transactions: a query or an update in flight, from its first datagram to the
//! response accepted for it or the last attempt given up.
//!
//! Each attempt gets a fresh random message id and goes to the next server in turn,
//! waiting `initial_rto` doubled per round over the servers (capped at `max_rto`). A
//! response is accepted only if its id is one of the transaction's last attempts, it
//! comes from the address and port (or the TCP connection) that attempt went to, it is
//! a response with the request's opcode and question (or zone), and, if the request was
//! signed, its TSIG verifies against the request's MAC and the time (RFC 8945 §5.4).
//! Anything else is dropped and counted. A truncated UDP answer sends the request
//! again over TCP (RFC 1035 §4.2.1, RFC 7766 §5).
//!
//! Requests are rebuilt for each attempt (a new id and a new signing time), from a
//! `Request` that describes them.

use super::config::ClientConfig;
use super::rng::Rng;
use super::stats::Stats;
use crate::key::TsigKey;
use crate::wire::edns::{push_opt, Opt, UpdateLease};
use crate::wire::query::write_query;
use crate::wire::tcp::{frame, Deframer};
use crate::wire::tsig::{self, SignParams, VerifyError};
use crate::wire::types::{Opcode, Rcode, SOA};
use crate::wire::update::UpdateBuilder;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::time::Duration;
use mdns_sansio::wire::{Class, Header, Message, RecordData, Rtype, WriteError};
use mdns_sansio::{Instant, Name};

/// A TCP connection the client asked the driver to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// Bytes for the driver to move.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transmit {
    /// Send one UDP datagram.
    Udp {
        /// The server.
        to: SocketAddr,
        /// The message.
        payload: Vec<u8>,
    },
    /// Open the connection `conn` to `to` if it is not open yet, and write `payload`
    /// (already framed, RFC 1035 §4.2.2). Report what the server sends with
    /// `handle_tcp`, and a failure or the server's close with `handle_tcp_closed`.
    Tcp {
        /// The connection.
        conn: ConnId,
        /// The server.
        to: SocketAddr,
        /// Framed bytes.
        payload: Vec<u8>,
    },
    /// Close the connection.
    TcpClose {
        /// The connection.
        conn: ConnId,
    },
}

/// One step of a DNS UPDATE (RFC 2136 §2.4, RFC 2136 §2.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum UpdateOp {
    NotInUse(Name),
    RecordEquals(Name, RecordData),
    Add(Name, u32, RecordData),
    DeleteRrset(Name, Rtype),
    DeleteName(Name),
    DeleteRecord(Name, RecordData),
}

/// What a transaction sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Request {
    Query {
        name: Name,
        rtype: Rtype,
    },
    Update {
        zone: Name,
        ops: Vec<UpdateOp>,
        lease: Option<u32>,
    },
}

impl Request {
    fn write(&self, buf: &mut [u8], id: u16, udp_payload: u16) -> Result<usize, WriteError> {
        match self {
            Request::Query { name, rtype } => write_query(buf, id, name, *rtype, Some(udp_payload)),
            Request::Update { zone, ops, lease } => {
                let mut u = UpdateBuilder::new(buf, id, zone)?;
                for op in ops {
                    match op {
                        UpdateOp::NotInUse(n) => u.require_name_not_in_use(n)?,
                        UpdateOp::RecordEquals(n, d) => u.require_record(n, d)?,
                        UpdateOp::Add(n, ttl, d) => u.add(n, *ttl, d)?,
                        UpdateOp::DeleteRrset(n, t) => u.delete_rrset(n, *t)?,
                        UpdateOp::DeleteName(n) => u.delete_name(n)?,
                        UpdateOp::DeleteRecord(n, d) => u.delete_record(n, d)?,
                    }
                }
                let mut opts = Vec::new();
                if let Some(l) = lease {
                    UpdateLease {
                        lease: *l,
                        key_lease: None,
                    }
                    .write(&mut opts);
                }
                push_opt(u.writer(), udp_payload, &opts)?;
                Ok(u.finish())
            }
        }
    }

    /// The question a response must repeat: the name, type and opcode.
    fn question(&self) -> (&Name, Rtype, Opcode) {
        match self {
            Request::Query { name, rtype } => (name, *rtype, Opcode::QUERY),
            Request::Update { zone, .. } => (zone, SOA, Opcode::UPDATE),
        }
    }
}

/// Who a transaction works for.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Owner {
    Question(Name, Rtype),
    Registration(super::event::RegId),
}

/// A transaction's handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct TxId(u64);

/// Why a transaction failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    NoResponse {
        servers: Vec<SocketAddr>,
        attempts: u32,
    },
    /// The server answered with an unsigned TSIG error (RFC 8945 §5.3.2) and nothing
    /// signed came before the attempt timed out.
    Tsig { key: Name, error: Rcode },
    /// The request cannot be written.
    TooLarge,
}

/// What a transaction ended in (or, `final_` false, a failure reported while it goes
/// on trying).
#[derive(Clone, Debug)]
pub(crate) enum Outcome {
    Response {
        server: SocketAddr,
        msg: Vec<u8>,
        rcode: Rcode,
        tsig_error: Rcode,
    },
    Failed {
        failure: Failure,
        final_: bool,
    },
}

/// Attempts remembered per transaction: a late answer to one of these is accepted.
const REMEMBERED_ATTEMPTS: usize = 4;

struct Sent {
    id: u16,
    server: SocketAddr,
    conn: Option<ConnId>,
    /// The request's MAC, if signed.
    mac: Option<Vec<u8>>,
}

struct Tx {
    owner: Owner,
    request: Request,
    servers: Vec<SocketAddr>,
    key: Option<TsigKey>,
    attempts: u32,
    report_after: u32,
    give_up_after: Option<u32>,
    reported: bool,
    tcp: bool,
    deadline: Instant,
    sent: VecDeque<Sent>,
    tsig_error: Option<Rcode>,
}

/// The transactions in flight.
pub(crate) struct Transport {
    txs: BTreeMap<TxId, Tx>,
    by_id: BTreeMap<u16, TxId>,
    conns: BTreeMap<ConnId, (TxId, Deframer)>,
    out: VecDeque<Transmit>,
    /// Outcomes not yet taken by the client.
    done: VecDeque<(Owner, Outcome)>,
    next_tx: u64,
    next_conn: u64,
    rng: Rng,
    pub(crate) stats: Stats,
    udp_payload: u16,
    initial_rto: Duration,
    max_rto: Duration,
}

/// How many attempts a transaction makes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Attempts {
    /// Report a failure after this many (then go on).
    pub report_after: u32,
    /// Give up after this many (`None`: never).
    pub give_up_after: Option<u32>,
}

impl Transport {
    pub(crate) fn new(config: &ClientConfig, seed: u64) -> Self {
        Transport {
            txs: BTreeMap::new(),
            by_id: BTreeMap::new(),
            conns: BTreeMap::new(),
            out: VecDeque::new(),
            done: VecDeque::new(),
            next_tx: 0,
            next_conn: 0,
            rng: Rng::new(seed),
            stats: Stats::default(),
            udp_payload: config.udp_payload,
            initial_rto: config.initial_rto,
            max_rto: config.max_rto,
        }
    }

    /// Starts a transaction and sends its first attempt.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn start(
        &mut self,
        now: Instant,
        unix: u64,
        owner: Owner,
        request: Request,
        servers: Vec<SocketAddr>,
        key: Option<TsigKey>,
        attempts: Attempts,
    ) -> TxId {
        let id = TxId(self.next_tx);
        self.next_tx += 1;
        self.txs.insert(
            id,
            Tx {
                owner,
                request,
                servers,
                key,
                attempts: 0,
                report_after: attempts.report_after.max(1),
                give_up_after: attempts.give_up_after,
                reported: false,
                tcp: false,
                deadline: now,
                sent: VecDeque::new(),
                tsig_error: None,
            },
        );
        self.send_attempt(now, unix, id);
        id
    }

    /// Stops a transaction: later answers to it are dropped as unknown.
    pub(crate) fn cancel(&mut self, tx: TxId) {
        if let Some(t) = self.txs.remove(&tx) {
            self.forget(&t);
        }
    }

    pub(crate) fn is_active(&self, tx: TxId) -> bool {
        self.txs.contains_key(&tx)
    }

    fn forget(&mut self, t: &Tx) {
        for s in &t.sent {
            self.by_id.remove(&s.id);
            if let Some(c) = s.conn {
                if self.conns.remove(&c).is_some() {
                    self.out.push_back(Transmit::TcpClose { conn: c });
                }
            }
        }
    }

    pub(crate) fn poll_transmit(&mut self) -> Option<Transmit> {
        self.out.pop_front()
    }

    pub(crate) fn next_timeout(&self) -> Option<Instant> {
        self.txs.values().map(|t| t.deadline).min()
    }

    /// A fresh message id no transaction in flight uses.
    fn fresh_id(&mut self) -> u16 {
        loop {
            let id = self.rng.next_u64() as u16;
            if !self.by_id.contains_key(&id) {
                return id;
            }
        }
    }

    /// The next outcome of a transaction (an answer, a failure reported or final).
    pub(crate) fn poll_outcome(&mut self) -> Option<(Owner, Outcome)> {
        self.done.pop_front()
    }

    /// Sends the next attempt of `txid` (or gives it up if it cannot be written).
    fn send_attempt(&mut self, now: Instant, unix: u64, txid: TxId) -> Option<()> {
        let id = self.fresh_id();
        let udp_payload = self.udp_payload;
        let (initial, max) = (self.initial_rto, self.max_rto);
        let t = self.txs.get_mut(&txid)?;
        if t.servers.is_empty() {
            return None;
        }
        let n = t.servers.len() as u32;
        let server = t.servers[(t.attempts % n) as usize];
        let round = t.attempts / n;
        let rto = initial.saturating_mul(1u32 << round.min(16)).min(max);
        t.attempts += 1;
        t.deadline = now + rto;
        let mut buf = vec![0u8; 4096];
        let len = match t.request.write(&mut buf, id, udp_payload) {
            Ok(len) => len,
            Err(WriteError::NoSpace) => {
                buf = vec![0u8; mdns_sansio::wire::MAX_DNS_MESSAGE_LEN];
                match t.request.write(&mut buf, id, udp_payload) {
                    Ok(len) => len,
                    Err(_) => return self.give_up(txid, Failure::TooLarge),
                }
            }
            Err(_) => return self.give_up(txid, Failure::TooLarge),
        };
        buf.truncate(len);
        let mac = match &t.key {
            Some(k) => match tsig::sign(&mut buf, k, &SignParams::request(unix)) {
                Ok(mac) => Some(mac),
                Err(_) => return self.give_up(txid, Failure::TooLarge),
            },
            None => None,
        };
        let t = self.txs.get_mut(&txid)?;
        if buf.len() > usize::from(udp_payload.max(512)) {
            t.tcp = true;
        }
        let conn = if t.tcp {
            let c = ConnId(self.next_conn);
            self.next_conn += 1;
            let framed = frame(&buf)?;
            self.conns.insert(c, (txid, Deframer::new()));
            self.out.push_back(Transmit::Tcp {
                conn: c,
                to: server,
                payload: framed,
            });
            Some(c)
        } else {
            self.out.push_back(Transmit::Udp {
                to: server,
                payload: buf,
            });
            None
        };
        if t.attempts > 1 {
            self.stats.retransmits += 1;
        }
        self.stats.sent += 1;
        t.sent.push_back(Sent {
            id,
            server,
            conn,
            mac,
        });
        self.by_id.insert(id, txid);
        if t.sent.len() > REMEMBERED_ATTEMPTS {
            if let Some(old) = t.sent.pop_front() {
                self.by_id.remove(&old.id);
                if let Some(c) = old.conn {
                    if self.conns.remove(&c).is_some() {
                        self.out.push_back(Transmit::TcpClose { conn: c });
                    }
                }
            }
        }
        Some(())
    }

    /// Ends a transaction with a final failure.
    fn give_up(&mut self, txid: TxId, failure: Failure) -> Option<()> {
        let t = self.txs.remove(&txid)?;
        self.forget(&t);
        self.done.push_back((
            t.owner,
            Outcome::Failed {
                failure,
                final_: true,
            },
        ));
        None
    }

    /// Sends the retries whose time has come, reporting or ending transactions whose
    /// attempts ran out.
    pub(crate) fn handle_timeout(&mut self, now: Instant, unix: u64) {
        let due: Vec<TxId> = self
            .txs
            .iter()
            .filter(|(_, t)| t.deadline <= now)
            .map(|(id, _)| *id)
            .collect();
        for txid in due {
            let Some(t) = self.txs.get_mut(&txid) else {
                continue;
            };
            // The attempt in flight timed out. An unsigned TSIG error that came
            // meanwhile is what the server had to say (RFC 8945 §5.4).
            let failure = match (t.tsig_error.take(), &t.key) {
                (Some(error), Some(key)) => Failure::Tsig {
                    key: key.name().clone(),
                    error,
                },
                _ => Failure::NoResponse {
                    servers: t.servers.clone(),
                    attempts: t.attempts,
                },
            };
            if t.give_up_after.is_some_and(|g| t.attempts >= g) {
                self.give_up(txid, failure);
                continue;
            }
            let report = matches!(failure, Failure::Tsig { .. })
                || (!t.reported && t.attempts >= t.report_after);
            if report {
                t.reported = true;
                self.done.push_back((
                    t.owner.clone(),
                    Outcome::Failed {
                        failure,
                        final_: false,
                    },
                ));
            }
            self.send_attempt(now, unix, txid);
        }
    }

    /// A UDP datagram from `from`.
    pub(crate) fn handle_datagram(
        &mut self,
        now: Instant,
        unix: u64,
        from: SocketAddr,
        bytes: &[u8],
    ) {
        self.handle_response(now, unix, Source::Udp(from), bytes);
    }

    /// Bytes read from a TCP connection.
    pub(crate) fn handle_tcp(&mut self, now: Instant, unix: u64, conn: ConnId, bytes: &[u8]) {
        let mut msgs = Vec::new();
        match self.conns.get_mut(&conn) {
            Some((_, d)) => {
                d.push(bytes);
                while let Some(m) = d.next_message() {
                    msgs.push(m);
                }
            }
            None => {
                self.stats.dropped_unknown_id += 1;
                return;
            }
        }
        for m in &msgs {
            self.handle_response(now, unix, Source::Tcp(conn), m);
        }
    }

    /// The connection failed or the server closed it: its attempt is over without an
    /// answer. The next attempt goes at the attempt's deadline, as after a datagram
    /// that got no answer (the backoff holds): a server that refuses connections at
    /// once must not make the client reconnect in a loop.
    pub(crate) fn handle_tcp_closed(&mut self, _now: Instant, _unix: u64, conn: ConnId) {
        self.conns.remove(&conn);
    }

    fn handle_response(
        &mut self,
        now: Instant,
        unix: u64,
        source: Source,
        bytes: &[u8],
    ) -> Option<()> {
        let Ok(msg) = Message::parse(bytes) else {
            self.stats.dropped_malformed += 1;
            return None;
        };
        let h = msg.header();
        if !h.is_response() {
            self.stats.dropped_malformed += 1;
            return None;
        }
        let Some(&txid) = self.by_id.get(&h.id) else {
            self.stats.dropped_unknown_id += 1;
            return None;
        };
        let t = self.txs.get_mut(&txid)?;
        let Some(sent) = t.sent.iter().find(|s| s.id == h.id) else {
            self.stats.dropped_unknown_id += 1;
            return None;
        };
        let from_right_place = match source {
            Source::Udp(from) => sent.conn.is_none() && same_addr(from, sent.server),
            Source::Tcp(conn) => sent.conn == Some(conn),
        };
        if !from_right_place {
            self.stats.dropped_wrong_source += 1;
            return None;
        }
        let (qname, qtype, opcode) = t.request.question();
        if !same_question(&msg, qname, qtype, opcode) {
            self.stats.dropped_wrong_question += 1;
            return None;
        }
        let server = sent.server;
        let mut tsig_error = Rcode::NOERROR;
        if let Some(key) = &t.key {
            match tsig::verify(bytes, key, unix, sent.mac.as_deref()) {
                Ok(v) => tsig_error = v.error,
                Err(VerifyError::Unsigned) => {
                    self.stats.dropped_unsigned += 1;
                    return None;
                }
                Err(VerifyError::UnsignedError(e)) if e != Rcode::NOERROR => {
                    // RFC 8945 §5.4: not acceptable as an answer; keep waiting, and
                    // say what the server said if nothing better comes.
                    self.stats.unsigned_tsig_errors += 1;
                    t.tsig_error = Some(e);
                    return None;
                }
                Err(_) => {
                    self.stats.dropped_bad_tsig += 1;
                    return None;
                }
            }
        }
        if h.truncated() && matches!(source, Source::Udp(_)) {
            // RFC 1035 §4.2.1: ask again over TCP.
            self.stats.tcp_fallbacks += 1;
            t.tcp = true;
            t.attempts = t.attempts.saturating_sub(1);
            return self.send_attempt(now, unix, txid);
        }
        let rcode = Opt::find(bytes)
            .ok()
            .flatten()
            .map_or(Rcode(u16::from(h.rcode())), |o| o.rcode(h.rcode()));
        self.stats.accepted += 1;
        let t = self.txs.remove(&txid)?;
        self.forget(&t);
        self.done.push_back((
            t.owner,
            Outcome::Response {
                server,
                msg: bytes.to_vec(),
                rcode,
                tsig_error,
            },
        ));
        Some(())
    }
}

#[derive(Clone, Copy)]
enum Source {
    Udp(SocketAddr),
    Tcp(ConnId),
}

/// Same IP (an IPv4-mapped IPv6 address equal to its IPv4 form) and same port.
fn same_addr(a: SocketAddr, b: SocketAddr) -> bool {
    let canon = |s: SocketAddr| match s.ip() {
        core::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(s.ip(), core::net::IpAddr::V4),
        ip => ip,
    };
    a.port() == b.port() && canon(a) == canon(b)
}

/// The response repeats the request's opcode and its one question (RFC 5452 §9.1).
fn same_question(msg: &Message<'_>, name: &Name, rtype: Rtype, opcode: Opcode) -> bool {
    let h: Header = msg.header();
    if Opcode(h.opcode()) != opcode || h.qdcount != 1 {
        return false;
    }
    match msg.questions().next() {
        Some(Ok(q)) => q.qtype == rtype && q.qclass == Class::IN && q.name.eq_name(name),
        _ => false,
    }
}
