//! Which addresses portalfeed may connect to: public ones, unless the operator allows private
//! networks (`allow_private_networks` in `[settings]`).
//!
//! A portal, a feed or a redirect can name any host; a host name can resolve to this machine or
//! an internal network. So the check is made on addresses, not names: [`GuardedResolver`] is
//! the HTTP client's resolver — it asks the system (getaddrinfo, so `/etc/hosts` is honoured)
//! and hands the client only the addresses the policy accepts, so there is no window between
//! the check and the connection for a name to be re-bound. Hosts written as IP addresses never
//! reach a resolver: [`AddressPolicy::check`] is called on them before any request.
//!
//! It makes no request of its own and knows nothing of URLs beyond their host.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

/// Why an address is not on the public internet, or `None` when it is.
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => refusal_v4(v4),
        IpAddr::V6(v6) => refusal_v6(v6),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    Some(match (a, b) {
        (0, _) => "a \"this network\" address (0.0.0.0/8)",
        (127, _) => "a loopback address",
        (10, _) | (172, 16..=31) | (192, 168) => "a private address (RFC 1918)",
        (169, 254) => "a link-local address",
        (100, 64..=127) => "a shared (CGNAT) address",
        (224..=239, _) => "a multicast address",
        (240..=255, _) => "a reserved or broadcast address",
        (192, 0) if ip.octets()[2] == 0 => "an IETF protocol address",
        (198, 18..=19) => "a benchmarking address",
        _ => return None,
    })
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let s = ip.segments();
    if ip.is_loopback() {
        return Some("a loopback address");
    }
    if ip.is_unspecified() {
        return Some("the unspecified address");
    }
    // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible) reach IPv4 hosts: no public name
    // resolves to them, so they are refused whatever they wrap.
    if s[..5] == [0; 5] && (s[5] == 0xffff || s[5] == 0) {
        return Some("an IPv4-mapped or IPv4-compatible address");
    }
    let wrapped = |hi: u16, lo: u16| {
        let [a, b] = hi.to_be_bytes();
        let [c, d] = lo.to_be_bytes();
        Ipv4Addr::new(a, b, c, d)
    };
    // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address: judged by it.
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] && refusal_v4(wrapped(s[6], s[7])).is_some() {
        return Some("a NAT64 address wrapping a non-public IPv4 address");
    }
    if s[0] == 0x2002 && refusal_v4(wrapped(s[1], s[2])).is_some() {
        return Some("a 6to4 address wrapping a non-public IPv4 address");
    }
    Some(match s[0] {
        0xfc00..=0xfdff => "a unique local (private) address",
        0xfe80..=0xfebf => "a link-local address",
        0xfec0..=0xfeff => "a site-local address",
        0xff00..=0xffff => "a multicast address",
        _ => return None,
    })
}

/// An address range, `10.1.0.0/16` or one address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let bits = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32u8),
            IpAddr::V6(v6) => (u128::from(v6), 128u8),
        };
        let ((net, width), (ip, ip_width)) = (bits(self.addr), bits(ip));
        if width != ip_width {
            return false;
        }
        let host_bits = u32::from(width - self.prefix);
        net.checked_shr(host_bits).unwrap_or(0) == ip.checked_shr(host_bits).unwrap_or(0)
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(text: &str) -> Result<Network, String> {
        let (addr, prefix) = text.trim().split_once('/').unwrap_or((text.trim(), ""));
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("`{text}` is not an IP address or network"))?;
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = if prefix.is_empty() {
            width
        } else {
            prefix
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("`{text}`: the prefix must be 0 to {width}"))?
        };
        Ok(Network { addr, prefix })
    }
}

/// The networks portalfeed may connect to besides the public internet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum AddressPolicy {
    /// Public addresses only: the default.
    #[default]
    PublicOnly,
    /// Any address (`allow_private_networks = true`).
    Any,
    /// Public addresses and these networks (`allow_private_networks = ["10.1.0.0/16"]`).
    Also(Vec<Network>),
}

impl AddressPolicy {
    /// The check of a URL whose host is written as an address (`http://10.0.0.5/`,
    /// `http://2130706433/`, `http://[::1]/`); a name is checked on what it resolves to.
    pub fn check_literal(&self, url: &url::Url) -> Result<(), Refused> {
        match url.host() {
            Some(url::Host::Ipv4(v4)) => self.check(IpAddr::V4(v4)),
            Some(url::Host::Ipv6(v6)) => self.check(IpAddr::V6(v6)),
            _ => Ok(()),
        }
    }

    /// `Ok` when `ip` may be connected to; else why not.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refused> {
        let Some(why) = refusal(ip) else {
            return Ok(());
        };
        match self {
            AddressPolicy::Any => Ok(()),
            AddressPolicy::Also(networks) if networks.iter().any(|n| n.contains(ip)) => Ok(()),
            _ => Err(Refused {
                addresses: vec![(ip, why)],
            }),
        }
    }
}

/// Addresses the policy refused, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub addresses: Vec<(IpAddr, &'static str)>,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let each: Vec<String> = self
            .addresses
            .iter()
            .map(|(ip, why)| format!("{ip} is {why}"))
            .collect();
        write!(
            f,
            "refused: {} (allow_private_networks in [settings] allows it)",
            each.join(", ")
        )
    }
}

impl std::error::Error for Refused {}

/// The HTTP client's resolver: the system's answer, less what the policy refuses.
pub struct GuardedResolver {
    pub policy: Arc<AddressPolicy>,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = Vec::new();
            let mut allowed = Vec::new();
            for addr in found {
                match policy.check(addr.ip()) {
                    Ok(()) => allowed.push(addr),
                    Err(r) => refused.extend(r.addresses),
                }
            }
            if allowed.is_empty() && !refused.is_empty() {
                return Err(Box::new(Refused { addresses: refused }) as _);
            }
            Ok(Box::new(allowed.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn every_non_public_range_is_refused() {
        for text in [
            "127.0.0.1",
            "127.255.255.254",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "100.127.255.255",
            "0.0.0.0",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "239.255.255.250",
            "::1",
            "::",
            "::ffff:127.0.0.1",
            "::ffff:8.8.8.8",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a00:1",
            "2002:7f00:1::",
            "2002:c0a8:101::1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
        ] {
            assert!(refusal(ip(text)).is_some(), "{text} must be refused");
        }
        for text in [
            "8.8.8.8",
            "203.113.131.1",
            "172.32.0.1",
            "100.128.0.1",
            "2001:4860:4860::8888",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert_eq!(refusal(ip(text)), None, "{text} is public");
        }
    }

    #[test]
    fn numeric_host_forms_are_the_addresses_they_spell() {
        for url in [
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://127.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
        ] {
            let parsed = url::Url::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
            let host = match parsed.host() {
                Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
                Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
                other => panic!("{url}: {other:?}"),
            };
            assert!(refusal(host).is_some(), "{url} → {host}");
        }
    }

    #[test]
    fn policies() {
        let listed = AddressPolicy::Also(vec![
            "127.0.0.2/32".parse().unwrap_or_else(|e| panic!("{e}")),
            "10.1.0.0/16".parse().unwrap_or_else(|e| panic!("{e}")),
            "fd00::/8".parse().unwrap_or_else(|e| panic!("{e}")),
        ]);
        assert!(listed.check(ip("127.0.0.2")).is_ok());
        assert!(listed.check(ip("10.1.200.3")).is_ok());
        assert!(listed.check(ip("fd12::1")).is_ok());
        assert!(listed.check(ip("8.8.8.8")).is_ok());
        assert!(listed.check(ip("127.0.0.1")).is_err());
        assert!(listed.check(ip("10.2.0.1")).is_err());
        assert!(listed.check(ip("::ffff:127.0.0.2")).is_err());
        assert!(AddressPolicy::PublicOnly.check(ip("127.0.0.1")).is_err());
        assert!(AddressPolicy::Any.check(ip("127.0.0.1")).is_ok());
        let everything: Network = "0.0.0.0/0".parse().unwrap_or_else(|e| panic!("{e}"));
        assert!(everything.contains(ip("127.0.0.1")));
        assert!(!everything.contains(ip("::1")));
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "localhost",
            "10.0.0/8",
            "1.2.3.4/x",
        ] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
        let message = AddressPolicy::PublicOnly
            .check(ip("127.0.0.1"))
            .err()
            .map(|r| r.to_string())
            .unwrap_or_default();
        assert!(
            message.contains("127.0.0.1 is a loopback address"),
            "{message}"
        );
    }
}
