/**
 * Every word nft's scanner (`src/scanner.l`) turns into a keyword token in some start condition: the union of
 * nftables 1.0.5 and 1.1.x (1.0.6 lies between), so a word that is a keyword in 1.0.6 is in here. nft 1.0.6
 * reads table, chain and set names only as unquoted identifiers (`identifier: STRING`; a quoted name is a syntax
 * error), and an identifier that spells a keyword is scanned as that keyword: the text wire refuses such names.
 * Listing a word that is not a keyword in 1.0.6 only makes the text wire refuse one name more (the client then
 * sends that document as JSON).
 */
export const NFT_KEYWORDS: ReadonlySet<string> = new Set(
  `
  eq ne le lt ge gt lshift rshift xor and or not vmap include define redefine undefine describe
  chains sets tables rules trace hook device devices table chain rule set element map flowtable handle ruleset
  socket transparent wildcard cgroupv2 level tproxy accept drop continue jump goto return to inet netdev
  add replace update create insert delete get list reset flush rename import export monitor destroy
  position index comment constant interval dynamic auto-merge timeout gc-interval elements expires
  policy size performance memory flow offload meter meters flowtables limits maps secmarks synproxys hooks
  tunnel tunnels counter name packets bytes last never counters quotas log prefix snaplen queue-threshold group
  queue num bypass fanout limit rate burst second minute week over quota used until hour day reject with icmpx
  snat dnat masquerade redirect random fully-random persistent port ll nh th bridge ether saddr daddr type typeof
  vlan id cfi dei pcp 8021ad 8021q arp htype ptype hlen plen operation ip version hdrlength dscp ecn length
  frag-off ttl protocol checksum lsrr rr ssrr ra ptr value option options ackseq doff window urgptr echo eol
  maxseg mss nop noop sack sack0 sack1 sack2 sack3 sack-permitted sack-perm timestamp fastopen mptcp md5sig left
  right count tsval tsecr subtype time icmp icmpv6 gateway code param-problem max-delay mtu taddr sequence igmp
  mrt ip6 priority flowlabel hoplimit nexthdr ah reserved spi esp comp cpi flags udp udplite csumcov sport dport
  vxlan vni geneve gre gretap tcp dccp sctp chunk vtag data init init-ack heartbeat heartbeat-ack abort shutdown
  shutdown-ack error cookie-echo cookie-ack ecne cwr shutdown-complete asconf-ack forward-tsn asconf tsn stream
  ssn ppid init-tag a-rwnd num-outbound-streams num-inbound-streams initial-tsn cum-tsn-ack num-gap-ack-blocks
  num-dup-tsns lowest-tsn seqno new-cum-tsn rt rt0 rt2 srh addr hbh frag reserved2 more-fragments dst mh meta
  mark iif iifname iiftype oif oifname oiftype skuid skgid nftrace rtclassid ibriport ibrname obriport obrname
  pkttype cpu iifgroup oifgroup cgroup nexthop seg-left last-entry tag sid classid ct avgpkt l3proto proto-src
  proto-dst zone original reply direction event expectation expiration helper helpers label state status numgen
  inc jhash symhash seed mod offset dup fwd fib check osf synproxy wscale tos notrack all xml json vm exists
  missing exthdr ipsec reqid spnum in out secmark xt fullcone
  `
    .split(/\s+/)
    .filter((w) => w !== ''),
);
