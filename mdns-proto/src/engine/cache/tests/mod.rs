//! The cache against a reference model of its rules (every record in a list, every
//! choice made by scanning it), and lookups by data among many records of one name.

use super::*;
use crate::wire::RecordData;
use alloc::vec;
use core::net::Ipv4Addr;
use smallvec::SmallVec;

const IF: InterfaceId = InterfaceId(1);

/// A message buffer with a 12-byte header and then `wire` (one name, or rdata).
fn buf(wire: &[u8]) -> Vec<u8> {
    let mut m = vec![0u8; 12];
    m.extend_from_slice(wire);
    m
}

/// A name read in place from `m` (made by [`buf`] from a name's wire form).
fn name_ref(m: &[u8]) -> NameRef<'_> {
    NameRef::read(m, 12).unwrap().0
}

/// Record data in canonical form, to be read back in place with [`rdata`].
fn canonical(d: &RecordData) -> Vec<u8> {
    let mut v = Vec::new();
    d.write_canonical(&mut v);
    v
}

fn rdata(c: &[u8], rtype: Rtype) -> RData<'_> {
    RData::parse(c, 0, c.len(), rtype).unwrap()
}

fn n(s: &str) -> Name {
    Name::parse(s).unwrap()
}

/// Receives one record, as the only one of its message.
#[allow(clippy::too_many_arguments)]
fn receive(
    cache: &mut Cache,
    now: Instant,
    rng: &mut Rng,
    name: &NameRef<'_>,
    rtype: Rtype,
    rdata: &RData<'_>,
    ttl: u32,
    cache_flush: bool,
    iface: InterfaceId,
    interested: bool,
) -> (Change, Option<EntryId>) {
    let record = wire::Record {
        section: wire::Section::Answer,
        name: *name,
        rtype,
        class: wire::Class::IN,
        cache_flush,
        ttl,
        rdata: *rdata,
        raw_rdata: &[],
    };
    cache.receive(
        now,
        rng,
        &record,
        iface,
        interested,
        &mut OwnerMemo::default(),
    )
}

/// `Svc <i>.<ty>` as a packet would carry it: the instance label, then a compression
/// pointer to the type's name after a 12-byte header (upper-cased if `upper`).
fn packet(ty: &Name, i: usize, upper: bool) -> Vec<u8> {
    let mut msg = buf(ty.as_wire());
    if upper {
        msg.make_ascii_uppercase();
    }
    let label = alloc::format!("Svc {i}");
    msg.push(label.len() as u8);
    msg.extend_from_slice(label.as_bytes());
    msg.extend_from_slice(&[0xc0, 12]);
    msg
}

fn ptr<'a>(msg: &'a [u8], ty: &Name) -> RData<'a> {
    RData::Ptr(NameRef::read(msg, 12 + ty.wire_len()).unwrap().0)
}

#[test]
fn find_by_data_among_thousands_under_one_key() {
    let ty = n("_x._tcp.local");
    let ty_msg = buf(ty.as_wire());
    let owner = name_ref(&ty_msg);
    let mut cache = Cache::new(10_000);
    let mut rng = Rng::new(1);
    let now = Instant::ZERO;
    for i in 0..3000 {
        let msg = packet(&ty, i, false);
        let (c, _) = receive(
            &mut cache,
            now,
            &mut rng,
            &owner,
            Rtype::PTR,
            &ptr(&msg, &ty),
            4500,
            false,
            IF,
            true,
        );
        assert_eq!(c, Change::Added);
    }
    assert_eq!(cache.len(), 3000);
    // The owner name is stored once.
    assert_eq!(cache.names.len(), 1);
    // Found by data, names compared case-insensitively through compression.
    let msg = packet(&ty, 1234, true);
    let id = cache.find(&ty, Rtype::PTR, IF, &ptr(&msg, &ty)).unwrap();
    let e = cache.entry(id).unwrap();
    assert_eq!(
        e.data().unwrap().to_owned(),
        RecordData::Ptr(n("Svc 1234._x._tcp.local"))
    );
    // Not on another interface, type or owner name.
    assert_eq!(
        cache.find(&ty, Rtype::PTR, InterfaceId(2), &ptr(&msg, &ty)),
        None
    );
    assert_eq!(cache.find(&ty, Rtype::CNAME, IF, &ptr(&msg, &ty)), None);
    let other = n("_y._tcp.local");
    assert_eq!(cache.find(&other, Rtype::PTR, IF, &ptr(&msg, &ty)), None);
    // Receiving it again (in another case) renews the one record.
    let (c, again) = receive(
        &mut cache,
        now,
        &mut rng,
        &owner,
        Rtype::PTR,
        &ptr(&msg, &ty),
        4500,
        false,
        IF,
        true,
    );
    assert_eq!((c, again), (Change::Renewed, Some(id)));
    assert_eq!(cache.len(), 3000);
    // Gone after expiry: the indexes and the name go, and a new copy is added afresh.
    let mut out = Vec::new();
    cache.expire(now + Duration::from_secs(4501), &mut out);
    assert_eq!((out.len(), cache.len()), (3000, 0));
    assert!(cache.by_data.is_empty() && cache.names.len() == 0);
    assert_eq!(cache.find(&ty, Rtype::PTR, IF, &ptr(&msg, &ty)), None);
}

#[test]
fn data_differing_in_case_is_the_same_record_only_where_names_are() {
    let owner_msg = buf(n("x.local").as_wire());
    let owner = name_ref(&owner_msg);
    let mut cache = Cache::new(10);
    let mut rng = Rng::new(1);
    let mut receive = |cache: &mut Cache, d: &RecordData, rtype: Rtype| {
        let c = canonical(d);
        receive(
            cache,
            Instant::ZERO,
            &mut rng,
            &owner,
            rtype,
            &rdata(&c, rtype),
            120,
            false,
            IF,
            false,
        )
        .0
    };
    let srv = |target: &str| RecordData::Srv {
        priority: 0,
        weight: 0,
        port: 80,
        target: n(target),
    };
    assert_eq!(
        receive(&mut cache, &srv("Host.local"), Rtype::SRV),
        Change::Added
    );
    assert_eq!(
        receive(&mut cache, &srv("hOST.LOCAL"), Rtype::SRV),
        Change::Renewed
    );
    let txt = |s: &[u8]| RecordData::Txt(SmallVec::from_slice(s));
    assert_eq!(
        receive(&mut cache, &txt(b"\x03a=B"), Rtype::TXT),
        Change::Added
    );
    // TXT data is bytes: another case is another record.
    assert_eq!(
        receive(&mut cache, &txt(b"\x03A=b"), Rtype::TXT),
        Change::Added
    );
    assert_eq!(
        receive(&mut cache, &txt(b"\x03a=B"), Rtype::TXT),
        Change::Renewed
    );
    // An address whose bytes differ as letters' cases do is another address.
    let a = |x: u8| RecordData::A(Ipv4Addr::new(x, 0, 0, 1));
    assert_eq!(receive(&mut cache, &a(b'a'), Rtype::A), Change::Added);
    assert_eq!(receive(&mut cache, &a(b'A'), Rtype::A), Change::Added);
    assert_eq!(cache.len(), 5);
    // The SRV data keeps the case it arrived in first.
    let id = cache.ids(&n("X.LOCAL"), Rtype::SRV).next().unwrap();
    match cache.entry(id).unwrap().data().unwrap() {
        RData::Srv { target, .. } => {
            assert_eq!(target.to_name().as_wire(), n("Host.local").as_wire())
        }
        d => panic!("{d:?}"),
    }
}

#[test]
fn a_record_keeps_the_case_its_owner_arrived_in() {
    let mut cache = Cache::new(10);
    let mut rng = Rng::new(1);
    let mut add = |cache: &mut Cache, owner: &str, addr: u8| {
        let m = buf(n(owner).as_wire());
        let c = canonical(&RecordData::A(Ipv4Addr::new(10, 0, 0, addr)));
        receive(
            cache,
            Instant::ZERO,
            &mut rng,
            &name_ref(&m),
            Rtype::A,
            &rdata(&c, Rtype::A),
            120,
            false,
            IF,
            true,
        )
        .1
        .unwrap()
    };
    let first = add(&mut cache, "Box.local", 1);
    let second = add(&mut cache, "BOX.local", 2);
    let third = add(&mut cache, "Box.local", 3);
    assert_eq!(cache.names.len(), 1);
    let wire = |cache: &Cache, id| cache.entry(id).unwrap().name().as_wire().to_vec();
    assert_eq!(wire(&cache, first), n("Box.local").as_wire());
    assert_eq!(wire(&cache, second), n("BOX.local").as_wire());
    assert_eq!(wire(&cache, third), n("Box.local").as_wire());
    // The first one gone, the name stays (in its case) for the others.
    let mut out = Vec::new();
    assert!(cache.remove(first, Some(&mut out)));
    assert_eq!(out[0].name.as_wire(), n("Box.local").as_wire());
    assert_eq!(wire(&cache, second), n("BOX.local").as_wire());
    assert_eq!(wire(&cache, third), n("Box.local").as_wire());
    let ids: Vec<EntryId> = cache.ids(&n("box.local"), Rtype::A).collect();
    assert_eq!(ids, [second, third]);
}

/// One source holding more than half of a full cache loses its own records first: a
/// host announcing thousands of records cannot evict another host's, even the
/// soonest-expiring ones, and its records go before records anyone wants.
#[test]
fn a_source_holding_over_half_the_cache_is_evicted_first() {
    let mut cache = Cache::new(10);
    let mut rng = Rng::new(1);
    let mut add = |cache: &mut Cache, from: u8, owner: &str, ttl: u32, wanted: bool| {
        cache.set_source(core::net::IpAddr::V4(Ipv4Addr::new(10, 0, 0, from)));
        let m = buf(n(owner).as_wire());
        let c = canonical(&RecordData::A(Ipv4Addr::new(10, 0, 0, from)));
        receive(
            cache,
            Instant::ZERO,
            &mut rng,
            &name_ref(&m),
            Rtype::A,
            &rdata(&c, Rtype::A),
            ttl,
            false,
            IF,
            wanted,
        )
        .1
        .unwrap()
    };
    // An honest host's short-lived record, nobody asking about it yet.
    let honest = add(&mut cache, 2, "real.local", 120, false);
    for i in 0..9 {
        add(&mut cache, 9, &alloc::format!("fake{i}.local"), 4500, true);
    }
    assert_eq!(cache.len(), 10);
    // Full: more from the flooding source, and from a third host.
    for i in 9..30 {
        add(&mut cache, 9, &alloc::format!("fake{i}.local"), 4500, true);
    }
    let other = add(&mut cache, 3, "other.local", 120, false);
    assert_eq!(cache.len(), 10);
    assert!(cache
        .entry(honest)
        .is_some_and(|e| e.name() == n("real.local")));
    assert!(cache
        .entry(other)
        .is_some_and(|e| e.name() == n("other.local")));
    assert_eq!(cache.evictions(), 22);
    // With a single source the usual rule holds: the soonest-expiring unwanted first.
    let mut solo = Cache::new(3);
    add(&mut solo, 5, "short.local", 60, false);
    add(&mut solo, 5, "long1.local", 4500, true);
    add(&mut solo, 5, "long2.local", 4500, true);
    add(&mut solo, 5, "long3.local", 4500, true);
    assert_eq!(solo.ids(&n("short.local"), Rtype::A).count(), 0);
    assert_eq!(solo.ids(&n("long1.local"), Rtype::A).count(), 1);
}

mod model;
