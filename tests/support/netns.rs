//! Hosts of a test's own: a network namespace per host, joined to the test's namespace by a
//! veth pair with addresses of a private subnet, so that a test can cut a host's link or
//! make it lossy while the rest of the machine never notices. Needs root and iproute2
//! (`ip`, `tc`); a host that cannot be made fails the test with the command's own words.
//!
//! A process of the host reaches chosen TCP ports of the test's loopback (a mock Kafka
//! cluster binds its brokers to 127.0.0.1, and names that address in its metadata) over the
//! link, by the kernel's routing: inside the host, connections to those ports go through a
//! routing table of their own to 127.0.0.1 via the test's end of the link
//! (`route_localnet` lets 127.0.0.1 cross it both ways), and everything else on 127.0.0.1 —
//! the engine's own REST API — stays on the host's loopback. Nothing forwards the bytes:
//! a link set down drops them, as a cut cable does.
//!
//! Threads and processes enter a host with `Host::within`: a child process keeps the
//! namespace of the thread that started it, so a `fastscore` command run there starts its
//! engines on the host. Processes are signalled by pid from anywhere; dropping the host
//! deletes its link and namespace (a namespace whose processes still run lives on until
//! they end, cut off), so a test declares its hosts before its `Env`, which stops the
//! engines first.

use std::net::Ipv4Addr;
use std::os::fd::AsRawFd;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

pub struct Host {
    /// The namespace's name (`ip netns`), unique to this test process.
    name: String,
    /// The link's end in the test's namespace (the host's is `eth0`).
    outside: String,
    namespace: std::fs::File,
}

/// The routing table of the ports a host reaches over its link.
const TABLE: &str = "100";

/// Run `ip`/`tc` with `args` (in namespace `netns`, if given); a failure fails the test with
/// what the command said.
fn run_in(netns: Option<&str>, program: &str, args: &[&str]) -> String {
    let mut command = Command::new(program);
    if let Some(ns) = netns {
        command.args(["-n", ns]);
    }
    let out = command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (iproute2 is needed): {e}"));
    assert!(
        out.status.success(),
        "`{program} {}` failed (these tests make network namespaces: root and iproute2 are needed): {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// As `run_in`, with the arguments as words of one line.
fn run_line(netns: Option<&str>, program: &str, line: &str) -> String {
    let args: Vec<&str> = line.split_whitespace().collect();
    run_in(netns, program, &args)
}

impl Host {
    /// A new host whose processes reach `ports` of the test's loopback over its link.
    pub fn new(ports: &[u16]) -> Host {
        static HOSTS: AtomicU32 = AtomicU32::new(0);
        let n = HOSTS.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        // a /30 of 10.0.0.0/8 per host: 16 bits of the pid, 6 of the host's number, so
        // that hosts of tests running at the same time never share a subnet
        let subnet = 0x0a00_0000 | ((pid & 0xffff) << 8) | ((n & 63) << 2);
        let outside_address = Ipv4Addr::from(subnet + 1);
        let address = Ipv4Addr::from(subnet + 2);
        let name = format!("fastscore-test-{pid}-{n}");
        let outside = format!("fst{pid}h{n}");
        run_line(None, "ip", &format!("netns add {name}"));
        // from here on, the host is deleted however the test ends
        let host = Host {
            namespace: std::fs::File::open(format!("/var/run/netns/{name}"))
                .unwrap_or_else(|e| panic!("the namespace {name}: {e}")),
            name,
            outside,
        };
        host.wire(outside_address, address, ports);
        host
    }

    /// The link, its addresses, and the routes of `ports` over it.
    fn wire(&self, outside_address: Ipv4Addr, address: Ipv4Addr, ports: &[u16]) {
        let (ns, outside) = (Some(self.name.as_str()), self.outside.as_str());
        let ip = |netns: Option<&str>, line: &str| run_line(netns, "ip", line);
        ip(
            None,
            &format!(
                "link add {outside} type veth peer name eth0 netns {}",
                self.name
            ),
        );
        ip(
            None,
            &format!("addr add {outside_address}/30 dev {outside}"),
        );
        ip(ns, &format!("addr add {address}/30 dev eth0"));
        // one packet per segment, so that a lossy link loses segments, not 64 KiB bursts
        for (netns, dev) in self.ends() {
            ip(netns, &format!("link set dev {dev} gso_max_segs 1 up"));
        }
        ip(ns, "link set lo up");
        let localnet = |dev: &str| {
            let path = format!("/proc/sys/net/ipv4/conf/{dev}/route_localnet");
            std::fs::write(&path, "1").unwrap_or_else(|e| panic!("{path}: {e}"));
        };
        localnet(outside);
        self.within(|| localnet("eth0"));
        // the ports' rules come before the local table's, which moves behind them
        ip(ns, "rule add priority 1000 table local");
        ip(ns, "rule del priority 0 table local");
        for port in ports {
            ip(
                ns,
                &format!("rule add priority 100 ipproto tcp dport {port} table {TABLE}"),
            );
        }
        ip(
            ns,
            &format!("route add 127.0.0.1/32 via {outside_address} dev eth0 table {TABLE}"),
        );
    }

    /// Run `f` on a thread inside the host (processes it starts live there).
    pub fn within<T: Send>(&self, f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| {
            s.spawn(|| {
                // SAFETY: setns takes a descriptor this host holds open and a flag; it moves
                // only the calling thread, which ends with `f`.
                let entered =
                    unsafe { libc::setns(self.namespace.as_raw_fd(), libc::CLONE_NEWNET) };
                assert_eq!(
                    entered,
                    0,
                    "cannot enter {}: {}",
                    self.name,
                    std::io::Error::last_os_error()
                );
                f()
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }

    /// Set the host's link down (as a cable pulled at the switch: the host's end loses its
    /// carrier and what it sends is dropped) or up again.
    pub fn link(&self, up: bool) {
        let state = if up { "up" } else { "down" };
        run_line(
            None,
            "ip",
            &format!("link set dev {} {state}", self.outside),
        );
    }

    /// The host's link loses `percent` % of the packets each way, at random, until `clear`.
    /// (`netem` is not in every kernel, nor in this machine's: a classic BPF filter draws a
    /// random number per packet and sends the unlucky ones to a queue that holds nothing.)
    pub fn lossy(&self, percent: u32) {
        // drop when the random 32-bit number is below this
        let below = (u64::from(percent) << 32) / 100;
        let bytecode = format!(
            "4,32 0 0 {},53 0 1 {below},6 0 0 0,6 0 0 {}",
            // A = random (SKF_AD_OFF + SKF_AD_RANDOM); if A >= below: keep (no class: the
            // default one), else class 1:20
            0xffff_f038u32,
            0x0001_0020u32
        );
        for (netns, dev) in self.ends() {
            let tc = |line: &str| run_line(netns, "tc", line);
            tc(&format!(
                "qdisc add dev {dev} root handle 1: htb default 10"
            ));
            for class in ["1:10", "1:20"] {
                tc(&format!(
                    "class add dev {dev} parent 1: classid {class} htb rate 10gbit"
                ));
            }
            tc(&format!(
                "qdisc add dev {dev} parent 1:20 handle 20: pfifo limit 0"
            ));
            let filter = format!("filter add dev {dev} parent 1: bpf bytecode");
            let mut args: Vec<&str> = filter.split_whitespace().collect();
            args.push(&bytecode);
            run_in(netns, "tc", &args);
        }
    }

    /// The link loses nothing again.
    pub fn clear(&self) {
        for (netns, dev) in self.ends() {
            run_line(netns, "tc", &format!("qdisc del dev {dev} root"));
        }
    }

    /// Packets the link dropped since it was made lossy, both ways.
    pub fn lost(&self) -> u64 {
        let mut lost = 0;
        for (netns, dev) in self.ends() {
            let text = run_line(netns, "tc", &format!("-s -j qdisc show dev {dev}"));
            let qdiscs: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
            lost += qdiscs
                .as_array()
                .into_iter()
                .flatten()
                .filter(|q| q["kind"] == "pfifo" && q["handle"] == "20:")
                .filter_map(|q| q["drops"].as_u64())
                .sum::<u64>();
        }
        lost
    }

    /// The link's two ends (namespace, device): the test's, and the host's own.
    fn ends(&self) -> [(Option<&str>, &str); 2] {
        [
            (None, self.outside.as_str()),
            (Some(self.name.as_str()), "eth0"),
        ]
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        // (not `run_in`: a failure here must not hide the test's own)
        for args in [
            vec!["link", "del", self.outside.as_str()],
            vec!["netns", "del", self.name.as_str()],
        ] {
            let _ = Command::new("ip").args(&args).output();
        }
    }
}

/// The ports of Kafka bootstrap servers `host:port,host:port`.
pub fn ports(servers: &str) -> Vec<u16> {
    servers
        .split(',')
        .filter_map(|s| s.rsplit_once(':')?.1.parse().ok())
        .collect()
}
