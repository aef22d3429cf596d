//! A LAN of the test's own: two network namespaces joined by a veth pair on a
//! 10.x subnet, so that broadcast really crosses a link (recipe: the project's
//! toolchain notes). Needs root and `ip` (iproute2), as CI has; without them
//! it panics and says why. The namespaces are deleted when it is dropped (also
//! when the test fails).

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// Two namespaces joined by a veth pair.
pub struct Netns {
    names: [String; 2],
    subnet: String,
}

/// Runs `ip ARGS`, panicking with what it said if it fails.
fn ip(args: &[&str]) {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("`ip` (iproute2) is needed for this test: {e}"));
    assert!(
        out.status.success(),
        "ip {}: {} (network namespaces need root)",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr).trim()
    );
}

impl Netns {
    /// Creates the two namespaces, their link and addresses (`.1` and `.2`).
    pub fn create() -> Netns {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let id = std::process::id() % 100_000;
        let names = [format!("tl{id}-{n}a"), format!("tl{id}-{n}b")];
        let subnet = format!("10.{}.{}", 200 + id % 50, (id / 50 + n) % 250);
        let lan = Netns { names, subnet };
        let [a, b] = &lan.names;
        let (va, vb) = (format!("tv{id}{n}a"), format!("tv{id}{n}b"));
        ip(&["netns", "add", a]);
        ip(&["netns", "add", b]);
        ip(&["link", "add", &va, "type", "veth", "peer", "name", &vb]);
        ip(&["link", "set", &va, "netns", a]);
        ip(&["link", "set", &vb, "netns", b]);
        let broadcast = format!("{}.255", lan.subnet);
        for (ns, dev, host) in [(a, &va, 1), (b, &vb, 2)] {
            let addr = format!("{}.{host}/24", lan.subnet);
            ip(&[
                "-n",
                ns,
                "addr",
                "add",
                &addr,
                "broadcast",
                &broadcast,
                "dev",
                dev,
            ]);
            ip(&["-n", ns, "link", "set", "lo", "up"]);
            ip(&["-n", ns, "link", "set", dev, "up"]);
        }
        lan
    }

    /// `program ARGS` inside namespace `i` (0 or 1), with the same process id.
    pub fn exec(&self, i: usize, program: &str, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.names[i], program])
            .args(args);
        cmd
    }

    /// The address of namespace `i` on the link.
    pub fn addr(&self, i: usize) -> String {
        format!("{}.{}", self.subnet, i + 1)
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        for ns in &self.names {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}
