//! Group commit: one writer thread takes the POSTs waiting for it and stores them in one
//! transaction, so concurrent clients share a commit (and its fsync) instead of queueing
//! for one each.
//!
//! The combined batch is the requests in arrival order, so each document's findings are
//! what it would get if the requests had been stored one after another. When the combined
//! commit fails (a duplicate id in one request, say), nothing of it is stored and each
//! request is stored on its own, so one bad request never fails another.

use crate::ApiError;
use reprint_engine::Finding;
use reprint_index::{Added, Index, NewDoc};
use std::sync::mpsc;
use std::sync::Arc;
use tokio::sync::oneshot;

/// Most documents one combined commit takes.
const GROUP_DOCUMENTS: usize = 10_000;

pub(crate) struct Job {
    pub docs: Vec<NewDoc>,
    pub replace: bool,
    pub reply: oneshot::Sender<Result<Added, ApiError>>,
}

/// Starts the writer thread; it stops when every sender is dropped.
pub(crate) fn start(index: Arc<Index>) -> (mpsc::Sender<Job>, std::thread::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel::<Job>();
    let handle = std::thread::Builder::new()
        .name("reprint-writer".into())
        .spawn(move || run(&index, rx))
        .expect("spawn the writer thread");
    (tx, handle)
}

fn run(index: &Index, rx: mpsc::Receiver<Job>) {
    let mut held: Option<Job> = None;
    loop {
        let first = match held.take() {
            Some(j) => j,
            None => match rx.recv() {
                Ok(j) => j,
                Err(_) => return,
            },
        };
        let mut group = vec![first];
        let mut n = group[0].docs.len();
        while n < GROUP_DOCUMENTS {
            match rx.try_recv() {
                Ok(j) if j.replace == group[0].replace && n + j.docs.len() <= GROUP_DOCUMENTS => {
                    n += j.docs.len();
                    group.push(j);
                }
                Ok(j) => {
                    held = Some(j);
                    break;
                }
                Err(_) => break,
            }
        }
        store(index, group);
    }
}

fn store(index: &Index, group: Vec<Job>) {
    if group.len() == 1 {
        let job = group.into_iter().next().expect("one job");
        let r = index.add(&job.docs, job.replace).map_err(ApiError::from);
        let _ = job.reply.send(r);
        return;
    }
    let docs: Vec<NewDoc> = group.iter().flat_map(|j| j.docs.iter().cloned()).collect();
    match index.add(&docs, group[0].replace) {
        Ok(added) => {
            let mut per_doc = split(added.findings).into_iter();
            for job in group {
                let findings: Vec<Finding> =
                    per_doc.by_ref().take(job.docs.len()).flatten().collect();
                let _ = job.reply.send(Ok(Added {
                    findings,
                    total: added.total,
                }));
            }
        }
        Err(_) => {
            for job in group {
                let r = index.add(&job.docs, job.replace).map_err(ApiError::from);
                let _ = job.reply.send(r);
            }
        }
    }
}

/// Findings document by document (each starts with its `document` record).
pub(crate) fn split(findings: Vec<Finding>) -> Vec<Vec<Finding>> {
    let mut out: Vec<Vec<Finding>> = Vec::new();
    for f in findings {
        if matches!(f, Finding::Document(_)) || out.is_empty() {
            out.push(Vec::new());
        }
        out.last_mut().expect("a group").push(f);
    }
    out
}
