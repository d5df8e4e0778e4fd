//! The shared schedule of several instances on one real PostgreSQL (a throwaway cluster started
//! here): every due source is claimed by exactly one instance per cycle, a dead instance's
//! sources are taken over when its lease ends (and its late finish changes nothing), and a
//! host's politeness delay holds across instances.

mod common;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::postgres::PgCluster;
use portalfeed::store::postgres::leases::{Claim, Leases};
use portalfeed::store::postgres::migrate;

const SOURCES: usize = 20;
const LEASE: Duration = Duration::from_secs(30);

async fn database(pg: &PgCluster, name: &str) -> String {
    let url = pg.create_database(name);
    migrate(&url).await.expect("migrate");
    url
}

fn ids() -> Vec<String> {
    (0..SOURCES).map(|i| format!("portal-{i:02}")).collect()
}

/// Claims until nothing is due, "fetching" each claimed source for a moment, then finishing it
/// an hour ahead; returns what it claimed.
async fn work(instance: Leases) -> Vec<Claim> {
    let mut mine = Vec::new();
    loop {
        let claims = instance.claim_due(2, LEASE).await.expect("claim");
        if claims.is_empty() {
            return mine;
        }
        for claim in claims {
            tokio::time::sleep(Duration::from_millis(15)).await;
            let finished = instance
                .finish(&claim.source_id, Utc::now() + chrono::Duration::hours(1))
                .await
                .expect("finish");
            assert!(finished, "{} was ours", claim.source_id);
            mine.push(claim);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_instances_claim_every_due_source_exactly_once_per_cycle() {
    let pg = PgCluster::start();
    let url = database(&pg, "cycles").await;
    for cycle in 1..=3 {
        if cycle > 1 {
            pg.psql("cycles", "UPDATE sources SET next_due = now()");
        }
        let mut tasks = Vec::new();
        for n in 0..3 {
            let instance = Leases::connect(&url, &format!("instance-{n}"))
                .await
                .expect("connect");
            instance.register(&ids()).await.expect("register");
            tasks.push(tokio::spawn(work(instance)));
        }
        let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
        let mut per_instance = Vec::new();
        for task in tasks {
            let claims = task.await.expect("instance task");
            per_instance.push(claims.len());
            for claim in claims {
                assert_eq!(claim.taken_over_from, None);
                *claimed.entry(claim.source_id).or_default() += 1;
            }
        }
        assert_eq!(claimed.len(), SOURCES, "cycle {cycle}: every source ran");
        assert!(
            claimed.values().all(|&n| n == 1),
            "cycle {cycle}: each source once: {claimed:?}"
        );
        assert_eq!(per_instance.iter().sum::<usize>(), SOURCES);
    }
    // Finished sources are not due again before their time.
    let late = Leases::connect(&url, "late").await.expect("connect");
    assert!(late.claim_due(100, LEASE).await.expect("claim").is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_instances_sources_are_taken_over_when_its_lease_ends() {
    let pg = PgCluster::start();
    let url = database(&pg, "takeover").await;
    let lease = Duration::from_millis(1500);
    let doomed = Leases::connect(&url, "doomed").await.expect("connect");
    doomed.register(&ids()).await.expect("register");
    let held = doomed.claim_due(100, lease).await.expect("claim");
    assert_eq!(held.len(), SOURCES);
    let claimed_at = Instant::now();

    // While the lease runs, nobody else gets them.
    let survivor = Leases::connect(&url, "survivor").await.expect("connect");
    assert!(survivor
        .claim_due(100, lease)
        .await
        .expect("claim")
        .is_empty());

    // The holder "dies": its connection is gone and it never finishes.
    drop(doomed);
    tokio::time::sleep(lease.saturating_sub(claimed_at.elapsed()) + Duration::from_millis(300))
        .await;
    let taken = survivor.claim_due(100, LEASE).await.expect("claim");
    assert_eq!(taken.len(), SOURCES, "every source is taken over");
    assert!(taken
        .iter()
        .all(|c| c.taken_over_from.as_deref() == Some("doomed")));

    // A holder that comes back late cannot finish (or reschedule) what it lost.
    let zombie = Leases::connect(&url, "doomed").await.expect("connect");
    let next = Utc::now() + chrono::Duration::hours(5);
    assert!(!zombie.finish("portal-00", next).await.expect("finish"));
    assert!(!zombie.renew("portal-00", LEASE).await.expect("renew"));
    assert!(survivor.renew("portal-00", LEASE).await.expect("renew"));
    assert_eq!(
        pg.psql(
            "takeover",
            "SELECT count(*) FROM sources WHERE lease_holder = 'survivor'"
        ),
        SOURCES.to_string()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hosts_delay_holds_across_instances() {
    let pg = PgCluster::start();
    let url = database(&pg, "politeness").await;
    let delay = Duration::from_millis(100);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for n in 0..3 {
        let instance = Leases::connect(&url, &format!("instance-{n}"))
            .await
            .expect("connect");
        tasks.push(tokio::spawn(async move {
            let mut slots = Vec::new();
            for _ in 0..4 {
                // The slot is the database's clock at the statement plus the wait it returns;
                // from here that clock lies between asking and the answer, so the slot is
                // known to lie in [asked + wait, answered + wait] (wide when the box is busy).
                let asked = started.elapsed();
                let wait = instance
                    .reserve_host("tinhuy.example.gov.vn", delay)
                    .await
                    .expect("reserve");
                slots.push((asked + wait, started.elapsed() + wait));
            }
            slots
        }));
    }
    let mut slots = Vec::new();
    for task in tasks {
        slots.extend(task.await.expect("instance task"));
    }
    slots.sort();
    assert_eq!(slots.len(), 12);
    for pair in slots.windows(2) {
        let ((earliest, _), (_, latest)) = (pair[0], pair[1]);
        // Even read as far apart as the measurement allows, two slots closer than the delay
        // (less a few ms of the database's own timing) are a broken reservation.
        let widest = latest.saturating_sub(earliest);
        assert!(
            widest >= Duration::from_millis(85),
            "requests to one host at most {widest:?} apart: {slots:?}"
        );
    }
    // Another host is not held up by this one.
    let other = Leases::connect(&url, "other").await.expect("connect");
    assert_eq!(
        other
            .reserve_host("sotttt.example.gov.vn", delay)
            .await
            .expect("reserve"),
        Duration::ZERO
    );
}
