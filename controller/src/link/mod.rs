//! The Modbus TCP client actor: one task owns the connection; callers talk to it through a
//! bounded channel with [`LinkHandle::read`] / [`LinkHandle::write`], in signal names and
//! engineering units.
//!
//! Why an actor, and why the context is dropped: a tokio-modbus context that timed out still has
//! the late reply on its way; it would be read as the answer to the *next* request (a header
//! mismatch at best, wrong data at worst), so every later call on it fails. On a timeout, a
//! header/function-code mismatch or an I/O error the actor therefore drops the context and
//! reconnects on the next request, with exponential backoff. A Modbus exception reply is a
//! proper answer: the context is kept and the caller gets [`LinkError::Exception`] naming the
//! signals and addresses.
//!
//! Write replies are checked: FC5/FC6 must echo the address and value, FC15/FC16 the address
//! and count (tokio-modbus only `debug_assert`s this, so a release build would accept a lying
//! echo); a mismatch is [`LinkError::Echo`].
//!
//! A read whose caller stopped waiting is abandoned at once (its context dropped, as after a
//! timeout); a write always runs to its end.
//!
//! Writes are never re-sent by the link: a write that failed or timed out is reported to the
//! caller, who decides (the safe-state routine issues a *new* write after a reconnect).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_modbus::client::{tcp, Client, Context, Reader};
use tokio_modbus::{ExceptionCode, Request as MbRequest, Response, Slave};

use crate::link::error::{LinkError, Op};
use crate::link::sample::Sample;
use crate::rig::map::{ReadBlock, RegisterMap, Table};
use crate::rig::names::SignalName;

pub mod error;
pub mod sample;

/// Link settings. `request_timeout` is wall-clock and per Modbus transaction.
#[derive(Debug, Clone)]
pub struct LinkConfig {
    /// The PLC (or emulator).
    pub addr: SocketAddr,
    /// Modbus unit id.
    pub unit_id: u8,
    /// Per-transaction timeout, wall clock.
    pub request_timeout: Duration,
    /// First reconnect delay after a failure; doubles up to `backoff_max`.
    pub backoff_min: Duration,
    /// Longest reconnect delay.
    pub backoff_max: Duration,
    /// Capacity of the request channel.
    pub queue: usize,
}

impl LinkConfig {
    /// Settings from the map's `[connection]`, talking to `addr`.
    pub fn from_map(map: &RegisterMap, addr: SocketAddr) -> LinkConfig {
        LinkConfig {
            addr,
            unit_id: map.connection.unit_id,
            request_timeout: Duration::from_millis(map.connection.timeout_ms.max(1)),
            backoff_min: Duration::from_millis(20),
            backoff_max: Duration::from_millis(500),
            queue: 16,
        }
    }
}

/// What a transaction touches (for error messages).
#[derive(Clone, Copy)]
struct Target<'a> {
    op: Op,
    signals: &'a [SignalName],
    table: Table,
    address: u16,
    count: u16,
}

enum Request {
    Read {
        names: Vec<SignalName>,
        reply: oneshot::Sender<Result<Sample, LinkError>>,
    },
    Write {
        name: SignalName,
        words: Vec<u16>,
        /// Connect at once, ignoring the reconnect backoff (the safe state).
        urgent: bool,
        reply: oneshot::Sender<Result<(), LinkError>>,
    },
}

struct Envelope {
    deadline: Instant,
    request: Request,
}

/// Counters, for diagnostics and tests.
#[derive(Debug, Default)]
pub struct LinkStats {
    /// Connections opened.
    pub connects: AtomicU64,
    /// Contexts dropped after a timeout / transport / protocol error.
    pub drops: AtomicU64,
}

/// The caller's side of the link. Cheap to clone; the task ends when every handle is dropped.
#[derive(Clone)]
pub struct LinkHandle {
    tx: mpsc::Sender<Envelope>,
    map: Arc<RegisterMap>,
    timeout: Duration,
    stats: Arc<LinkStats>,
}

/// The actor. Create it with [`Link::spawn`].
pub struct Link {
    map: Arc<RegisterMap>,
    cfg: LinkConfig,
    ctx: Option<Context>,
    next_connect: Instant,
    backoff: Duration,
    /// The request being served may connect without waiting for the backoff.
    urgent: bool,
    stats: Arc<LinkStats>,
}

impl Link {
    /// Starts the actor task on the current tokio runtime. Connection is lazy (first request).
    pub fn spawn(map: Arc<RegisterMap>, cfg: LinkConfig) -> LinkHandle {
        let (tx, rx) = mpsc::channel(cfg.queue.max(1));
        let stats = Arc::new(LinkStats::default());
        let handle = LinkHandle {
            tx,
            map: map.clone(),
            timeout: cfg.request_timeout,
            stats: stats.clone(),
        };
        let link = Link {
            map,
            backoff: cfg.backoff_min,
            cfg,
            ctx: None,
            next_connect: Instant::now(),
            urgent: false,
            stats,
        };
        tokio::spawn(link.run(rx));
        handle
    }

    async fn run(mut self, mut rx: mpsc::Receiver<Envelope>) {
        while let Some(env) = rx.recv().await {
            match env.request {
                Request::Read { names, mut reply } => {
                    // A caller that gave up on a read (its link-loss budget ran out) must not
                    // keep the link busy, e.g. waiting out a reconnect backoff, while its
                    // safe-state writes queue behind. A read has no effect to finish; the
                    // context is dropped in case a request was on the wire.
                    tokio::select! {
                        r = self.read(&names, env.deadline) => {
                            let _ = reply.send(r);
                        }
                        () = reply.closed() => {
                            if self.ctx.take().is_some() {
                                self.stats.drops.fetch_add(1, Ordering::Relaxed);
                            }
                        }
                    }
                }
                Request::Write {
                    name,
                    words,
                    urgent,
                    reply,
                } => {
                    self.urgent = urgent;
                    let r = self.write(name, &words, env.deadline).await;
                    self.urgent = false;
                    let _ = reply.send(r);
                }
            }
        }
        if let Some(mut ctx) = self.ctx.take() {
            use tokio_modbus::client::Client;
            let _ = tokio::time::timeout(Duration::from_millis(100), ctx.disconnect()).await;
        }
    }

    fn drop_context(&mut self) {
        if self.ctx.take().is_some() {
            self.stats.drops.fetch_add(1, Ordering::Relaxed);
        }
        self.next_connect = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(self.cfg.backoff_max);
    }

    async fn connect(&mut self, deadline: Instant) -> Result<&mut Context, LinkError> {
        if self.ctx.is_none() {
            let addr = self.cfg.addr;
            if self.next_connect > Instant::now() && !self.urgent {
                if self.next_connect >= deadline {
                    let wait = self.next_connect - Instant::now();
                    return Err(LinkError::Backoff {
                        addr,
                        retry_in_ms: wait.as_millis() as u64,
                    });
                }
                tokio::time::sleep_until(self.next_connect).await;
            }
            let dl = deadline.min(Instant::now() + self.cfg.request_timeout);
            let slave = Slave(self.cfg.unit_id);
            match tokio::time::timeout_at(dl, tcp::connect_slave(addr, slave)).await {
                Ok(Ok(ctx)) => {
                    self.stats.connects.fetch_add(1, Ordering::Relaxed);
                    self.ctx = Some(ctx);
                }
                Ok(Err(e)) => {
                    self.drop_context();
                    return Err(LinkError::Connect {
                        addr,
                        source: Arc::new(e),
                    });
                }
                Err(_) => {
                    self.drop_context();
                    let e = std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        format!(
                            "no answer within {} ms",
                            self.cfg.request_timeout.as_millis()
                        ),
                    );
                    return Err(LinkError::Connect {
                        addr,
                        source: Arc::new(e),
                    });
                }
            }
        }
        self.ctx.as_mut().ok_or(LinkError::Closed)
    }

    /// Runs one Modbus transaction with the deadline; maps the three failure kinds.
    async fn transact<T, F>(
        &mut self,
        t: Target<'_>,
        deadline: Instant,
        f: F,
    ) -> Result<T, LinkError>
    where
        F: for<'c> FnOnce(
            &'c mut Context,
        ) -> std::pin::Pin<
            Box<dyn std::future::Future<Output = tokio_modbus::Result<T>> + Send + 'c>,
        >,
    {
        let Target {
            op,
            signals,
            table,
            address,
            count,
        } = t;
        let addr = self.cfg.addr;
        let timeout = self.cfg.request_timeout;
        let ctx = self.connect(deadline).await?;
        if Instant::now() >= deadline {
            // Not sent at all: the caller's deadline passed while queued or connecting.
            return Err(LinkError::Busy);
        }
        let dl = deadline.min(Instant::now() + timeout);
        match tokio::time::timeout_at(dl, f(ctx)).await {
            Ok(Ok(Ok(v))) => {
                self.backoff = self.cfg.backoff_min;
                Ok(v)
            }
            Ok(Ok(Err(code))) => Err(exception(addr, op, signals, table, address, count, code)),
            Ok(Err(e)) => {
                self.drop_context();
                Err(LinkError::Transport {
                    addr,
                    op,
                    signals: signals.to_vec(),
                    source: Arc::new(e),
                })
            }
            Err(_) => {
                self.drop_context();
                Err(LinkError::Timeout {
                    addr,
                    op,
                    signals: signals.to_vec(),
                    timeout_ms: timeout.as_millis() as u64,
                })
            }
        }
    }

    async fn read_block(
        &mut self,
        b: &ReadBlock,
        deadline: Instant,
    ) -> Result<Vec<u16>, LinkError> {
        let (start, count) = (b.start, b.count);
        let target = Target {
            op: Op::Read,
            signals: &b.members,
            table: b.table,
            address: start,
            count,
        };
        let bits = |v: Vec<bool>| v.into_iter().map(u16::from).collect::<Vec<u16>>();
        match b.table {
            Table::Coil => self
                .transact(target, deadline, |c| Box::pin(c.read_coils(start, count)))
                .await
                .map(bits),
            Table::Discrete => self
                .transact(target, deadline, |c| {
                    Box::pin(c.read_discrete_inputs(start, count))
                })
                .await
                .map(bits),
            Table::Input => {
                self.transact(target, deadline, |c| {
                    Box::pin(c.read_input_registers(start, count))
                })
                .await
            }
            Table::Holding => {
                self.transact(target, deadline, |c| {
                    Box::pin(c.read_holding_registers(start, count))
                })
                .await
            }
        }
    }

    async fn read(&mut self, names: &[SignalName], deadline: Instant) -> Result<Sample, LinkError> {
        let map = self.map.clone();
        let mut sample = Sample::default();
        for block in map.read_plan(names) {
            let words = self.read_block(&block, deadline).await?;
            for name in &block.members {
                let Some(sig) = map.get(*name) else { continue };
                let from = usize::from(sig.address - block.start);
                let to = from + usize::from(sig.word_count());
                let Some(w) = words.get(from..to) else {
                    // A reply that does not answer the request: like a mismatched header, the
                    // context cannot be trusted with the next request.
                    self.drop_context();
                    return Err(LinkError::ShortReply {
                        addr: self.cfg.addr,
                        signals: block.members.clone(),
                        got: words.len(),
                        expected: block.count,
                    });
                };
                let value = sig.decode(w).map_err(|source| LinkError::Value {
                    value: f64::NAN,
                    source,
                })?;
                sample.insert(*name, value);
            }
        }
        Ok(sample)
    }

    async fn write(
        &mut self,
        name: SignalName,
        words: &[u16],
        deadline: Instant,
    ) -> Result<(), LinkError> {
        let map = self.map.clone();
        let sig = map.get(name).ok_or(LinkError::NotMapped(name))?;
        let (table, address) = (sig.table, sig.address);
        let count = words.len() as u16;
        let sigs = [name];
        let target = |count| Target {
            op: Op::Write,
            signals: &sigs,
            table,
            address,
            count,
        };
        let request = match (table, words) {
            (Table::Coil, [w]) => MbRequest::WriteSingleCoil(address, *w != 0),
            (Table::Holding, [w]) => MbRequest::WriteSingleRegister(address, *w),
            (Table::Holding, ws) => {
                MbRequest::WriteMultipleRegisters(address, std::borrow::Cow::Owned(ws.to_vec()))
            }
            _ => return Err(LinkError::ReadOnly(name, table)),
        };
        let expected = match &request {
            MbRequest::WriteSingleCoil(a, v) => Response::WriteSingleCoil(*a, *v),
            MbRequest::WriteSingleRegister(a, w) => Response::WriteSingleRegister(*a, *w),
            _ => Response::WriteMultipleRegisters(address, count),
        };
        let echo = self
            .transact(target(count), deadline, move |c| Box::pin(c.call(request)))
            .await?;
        if echo == expected {
            Ok(())
        } else {
            Err(LinkError::Echo {
                addr: self.cfg.addr,
                signal: name,
                sent: format!("{expected:?}"),
                echoed: format!("{echo:?}"),
            })
        }
    }
}

fn exception(
    addr: SocketAddr,
    op: Op,
    signals: &[SignalName],
    table: Table,
    address: u16,
    count: u16,
    code: ExceptionCode,
) -> LinkError {
    LinkError::Exception {
        addr,
        op,
        signals: signals.to_vec(),
        table,
        address,
        count,
        code: u8::from(code),
        description: code.to_string(),
    }
}

impl LinkHandle {
    /// The register map the link speaks.
    pub fn map(&self) -> &RegisterMap {
        &self.map
    }

    /// Connection counters.
    pub fn stats(&self) -> &LinkStats {
        &self.stats
    }

    /// Per-transaction timeout (wall clock).
    pub fn request_timeout(&self) -> Duration {
        self.timeout
    }

    async fn submit<T>(
        &self,
        deadline: Instant,
        request: Request,
        rx: oneshot::Receiver<Result<T, LinkError>>,
    ) -> Result<T, LinkError> {
        let env = Envelope { deadline, request };
        match tokio::time::timeout_at(deadline, self.tx.send(env)).await {
            Err(_) => return Err(LinkError::Busy),
            Ok(Err(_)) => return Err(LinkError::Closed),
            Ok(Ok(())) => {}
        }
        rx.await.unwrap_or(Err(LinkError::Closed))
    }

    /// Reads the signals (each table's contiguous run in one request). Deadline: one request
    /// timeout per Modbus transaction the plan needs.
    pub async fn read(&self, names: &[SignalName]) -> Result<Sample, LinkError> {
        if let Some(n) = names.iter().find(|n| self.map.get(**n).is_none()) {
            return Err(LinkError::NotMapped(*n));
        }
        let blocks = self.map.read_plan(names).len().max(1) as u32;
        let deadline = Instant::now() + self.timeout * (blocks + 1);
        let (reply, rx) = oneshot::channel();
        let request = Request::Read {
            names: names.to_vec(),
            reply,
        };
        self.submit(deadline, request, rx).await
    }

    /// Writes one signal (engineering units; bools as 0/1). Never re-sent on failure.
    pub async fn write(&self, name: SignalName, value: f64) -> Result<(), LinkError> {
        self.write_with(name, value, false).await
    }

    /// As [`LinkHandle::write`], but a link waiting out its reconnect backoff connects at once:
    /// for the safe state, which must not wait (its own retry loop paces the attempts).
    pub async fn write_now(&self, name: SignalName, value: f64) -> Result<(), LinkError> {
        self.write_with(name, value, true).await
    }

    async fn write_with(
        &self,
        name: SignalName,
        value: f64,
        urgent: bool,
    ) -> Result<(), LinkError> {
        let sig = self.map.get(name).ok_or(LinkError::NotMapped(name))?;
        if !sig.table.is_writable() {
            return Err(LinkError::ReadOnly(name, sig.table));
        }
        let words = sig
            .encode(value)
            .map_err(|source| LinkError::Value { value, source })?;
        let deadline = Instant::now() + self.timeout * 2;
        let (reply, rx) = oneshot::channel();
        let request = Request::Write {
            name,
            words,
            urgent,
            reply,
        };
        self.submit(deadline, request, rx).await
    }
}
