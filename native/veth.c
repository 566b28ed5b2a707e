/*
 * rootlessd's container veths through rtnetlink, so that plugging a container into a bridge and
 * unplugging it spawn no `nsenter … ip` (two runs per start and one per stop, about 10 ms each
 * from Node). The engine is root of the holder's user namespace, which owns the container
 * network and every container's network namespace: a short-lived thread of ours joins each
 * namespace with setns(2) only to open a netlink socket there (a socket stays in the namespace
 * it was made in), and the messages are sent from libuv's thread pool. Two calls, each
 * returning a Promise:
 *   attach({ holderNs, containerNs, hostVeth, bridge, ifname, mac, address, prefix, gateway, mtu,
 *            address6, prefix6, gateway6 })
 *     the same as `ip link add HOSTVETH mtu M type veth peer name IFNAME mtu M address MAC netns
 *     C; ip link set HOSTVETH master BRIDGE up` in the holder's namespace and `ip link set lo up;
 *     ip addr add ADDRESS/PREFIX dev IFNAME; ip addr add ADDRESS6/PREFIX6 dev IFNAME nodad;
 *     ip link set IFNAME up; ip route replace default via GATEWAY dev IFNAME; ip -6 route
 *     replace default via GATEWAY6 dev IFNAME` in the container's. An empty (or absent)
 *     gateway, address6 or gateway6 skips its step. Before the link comes up, IPv6 is switched
 *     on IFNAME (net.ipv6.conf.IFNAME.disable_ipv6=0) when there is an address6 and off (=1)
 *     when not, as Docker does: an interface of an IPv4-only network gets no fe80:: address and
 *     joins no IPv6 multicast group (a kernel without IPv6 has no such file: skipped).
 *     A failure after the pair exists deletes the pair again: nothing is left behind.
 *   detach(holderNs, hostVeth)  `ip link del HOSTVETH` (its peer goes with it); a missing link
 *     is not an error.
 * A failure rejects with an Error whose `code` is the errno name and whose message says which
 * step failed and the kernel's text (strerror: "File exists" for EEXIST, as ip prints it).
 * Built by scripts/build-native.mjs with the C compiler and Node's own headers.
 */
#define NAPI_VERSION 8
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <node_api.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BUF 4096

static const char *errno_name(int e) {
  switch (e) {
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENOENT: return "ENOENT";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case EINVAL: return "EINVAL";
    case EBUSY: return "EBUSY";
    case ENOMEM: return "ENOMEM";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ENETUNREACH: return "ENETUNREACH";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case EMFILE: return "EMFILE";
    case EAGAIN: return "ETIMEDOUT";
    default: return "EIO";
  }
}

/* ---- netlink messages ---- */

typedef struct {
  char buf[BUF] __attribute__((aligned(4)));
  struct nlmsghdr *h;
} msg_t;

static void *msg_init(msg_t *m, int type, int flags, size_t body) {
  memset(m->buf, 0, sizeof m->buf);
  m->h = (struct nlmsghdr *)m->buf;
  m->h->nlmsg_len = NLMSG_LENGTH(body);
  m->h->nlmsg_type = type;
  m->h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
  return NLMSG_DATA(m->h);
}

static struct rtattr *put(msg_t *m, int type, const void *data, size_t len) {
  struct rtattr *a = (struct rtattr *)(m->buf + NLMSG_ALIGN(m->h->nlmsg_len));
  a->rta_type = type;
  a->rta_len = RTA_LENGTH(len);
  if (len) memcpy(RTA_DATA(a), data, len);
  m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len) + RTA_ALIGN(a->rta_len);
  return a;
}

static void put_u32(msg_t *m, int type, uint32_t v) { put(m, type, &v, sizeof v); }
static void put_str(msg_t *m, int type, const char *s) { put(m, type, s, strlen(s) + 1); }
static struct rtattr *nest(msg_t *m, int type) { return put(m, type, NULL, 0); }
static void nest_end(msg_t *m, struct rtattr *a) {
  a->rta_len = (unsigned short)(m->buf + m->h->nlmsg_len - (char *)a);
}
static void *put_raw(msg_t *m, size_t len) {
  void *p = m->buf + NLMSG_ALIGN(m->h->nlmsg_len);
  memset(p, 0, NLMSG_ALIGN(len));
  m->h->nlmsg_len = NLMSG_ALIGN(m->h->nlmsg_len) + NLMSG_ALIGN(len);
  return p;
}

/* Sends one request and reads its answer; 0, or -errno. With `index`, reads a link's index. */
static int talk(int fd, msg_t *m, int *index) {
  static __thread uint32_t seq;
  m->h->nlmsg_seq = ++seq;
  if (send(fd, m->buf, m->h->nlmsg_len, 0) < 0) return -errno;
  char rbuf[16384] __attribute__((aligned(4)));
  for (;;) {
    ssize_t n = recv(fd, rbuf, sizeof rbuf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -errno;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != m->h->nlmsg_seq) continue;
      if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *e = NLMSG_DATA(h);
        return e->error;
      }
      if (h->nlmsg_type == RTM_NEWLINK && index) {
        struct ifinfomsg *ifi = NLMSG_DATA(h);
        *index = ifi->ifi_index;
      }
    }
  }
}

/* ---- sockets in other network namespaces ---- */

typedef struct {
  const char *paths[2];
  int fds[2];
  int err;
} open_t;

/* On a thread of its own, so that no pool thread is ever left in another namespace. */
static void *open_sockets(void *arg) {
  open_t *o = arg;
  for (int i = 0; i < 2 && o->paths[i]; i++) {
    int ns = open(o->paths[i], O_RDONLY | O_CLOEXEC);
    if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
      o->err = errno;
      if (ns >= 0) close(ns);
      return NULL;
    }
    close(ns);
    o->fds[i] = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (o->fds[i] < 0) {
      o->err = errno;
      return NULL;
    }
    struct timeval tv = {10, 0};
    setsockopt(o->fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
    if (bind(o->fds[i], (struct sockaddr *)&sa, sizeof sa) < 0) {
      o->err = errno;
      return NULL;
    }
  }
  return NULL;
}

/* net.ipv6.conf.IFNAME.disable_ipv6 in another namespace: /proc/sys/net is the calling thread's. */
typedef struct {
  const char *ns_path, *ifname;
  char value;
  int err;
} sysctl_t;

static void *write_disable_ipv6(void *arg) {
  sysctl_t *s = arg;
  int ns = open(s->ns_path, O_RDONLY | O_CLOEXEC);
  if (ns < 0 || setns(ns, CLONE_NEWNET) < 0) {
    s->err = errno;
    if (ns >= 0) close(ns);
    return NULL;
  }
  close(ns);
  char path[96];
  snprintf(path, sizeof path, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", s->ifname);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    s->err = errno == ENOENT ? 0 : errno;
    return NULL;
  }
  char text[2] = {s->value, '\n'};
  if (write(fd, text, sizeof text) < 0) s->err = errno;
  close(fd);
  return NULL;
}

/* On a thread of its own, which ends in the container's namespace (never a pool thread). */
static int set_ipv6(const char *ns_path, const char *ifname, int enable) {
  sysctl_t s = {ns_path, ifname, enable ? '0' : '1', 0};
  pthread_t t;
  int r = pthread_create(&t, NULL, write_disable_ipv6, &s);
  if (r) return -r;
  pthread_join(t, NULL);
  return -s.err;
}

static int sockets_in(const char *a, const char *b, int fds[2]) {
  open_t o = {{a, b}, {-1, -1}, 0};
  pthread_t t;
  int r = pthread_create(&t, NULL, open_sockets, &o);
  if (r) return -r;
  pthread_join(t, NULL);
  if (o.err) {
    for (int i = 0; i < 2; i++)
      if (o.fds[i] >= 0) close(o.fds[i]);
    return -o.err;
  }
  fds[0] = o.fds[0];
  fds[1] = o.fds[1];
  return 0;
}

/* ---- the two operations ---- */

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int detach;
  char holder_ns[128], container_ns[128];
  char host_veth[64], bridge[64], ifname[64]; /* checked shorter than IFNAMSIZ */
  unsigned char mac[6];
  int has_mac;
  struct in_addr address, gateway;
  struct in6_addr address6, gateway6;
  int has_gateway, has_address6, has_gateway6;
  int prefix, prefix6, mtu;
  int err;
  const char *step;
  int cleanup_err; /* the pair could not be deleted after a failure (errno) */
} call_t;

static int link_index(int fd, const char *name, int *index) {
  msg_t m;
  struct ifinfomsg *ifi = msg_init(&m, RTM_GETLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  put_str(&m, IFLA_IFNAME, name);
  *index = 0;
  int r = talk(fd, &m, index);
  return r < 0 ? r : (*index > 0 ? 0 : -ENODEV);
}

static int link_up(int fd, int index) {
  msg_t m;
  struct ifinfomsg *ifi = msg_init(&m, RTM_NEWLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = IFF_UP;
  ifi->ifi_change = IFF_UP;
  return talk(fd, &m, NULL);
}

static int del_link(int fd, const char *name) {
  msg_t m;
  struct ifinfomsg *ifi = msg_init(&m, RTM_DELLINK, 0, sizeof *ifi);
  ifi->ifi_family = AF_UNSPEC;
  put_str(&m, IFLA_IFNAME, name);
  int r = talk(fd, &m, NULL);
  return r == -ENODEV ? 0 : r;
}

/* ip route replace default via GW dev INDEX; family AF_INET (4 bytes) or AF_INET6 (16). */
static int default_route(int fd, int family, const void *gw, int index) {
  msg_t m;
  struct rtmsg *rt = msg_init(&m, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, sizeof *rt);
  rt->rtm_family = (unsigned char)family;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  put(&m, RTA_GATEWAY, gw, family == AF_INET6 ? 16 : 4);
  put_u32(&m, RTA_OIF, (uint32_t)index);
  return talk(fd, &m, NULL);
}

/* ip addr add ADDR/PREFIX dev INDEX (IPv6 with nodad: usable at once, as Docker's are). */
static int add_address(int fd, int family, const void *addr, int prefix, int index) {
  msg_t m;
  size_t len = family == AF_INET6 ? 16 : 4;
  struct ifaddrmsg *ifa = msg_init(&m, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifa);
  ifa->ifa_family = (unsigned char)family;
  ifa->ifa_prefixlen = (unsigned char)prefix;
  ifa->ifa_index = (unsigned)index;
  if (family == AF_INET6) {
    ifa->ifa_flags = IFA_F_NODAD;
    put_u32(&m, IFA_FLAGS, IFA_F_NODAD);
  }
  put(&m, IFA_LOCAL, addr, len);
  put(&m, IFA_ADDRESS, addr, len);
  return talk(fd, &m, NULL);
}

#define STEP(name, expr) \
  do {                   \
    c->step = name;      \
    r = (expr);          \
    if (r < 0) goto out; \
  } while (0)

static int do_attach(call_t *c, int host, int cont) {
  int r, bridge = 0, inner = 0, cns = -1;
  msg_t m;
  STEP("bridge lookup", link_index(host, c->bridge, &bridge));
  cns = open(c->container_ns, O_RDONLY | O_CLOEXEC);
  if (cns < 0) {
    c->step = "container namespace";
    r = -errno;
    goto out;
  }
  {
    struct ifinfomsg *ifi = msg_init(&m, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof *ifi);
    ifi->ifi_family = AF_UNSPEC;
    ifi->ifi_flags = IFF_UP;
    ifi->ifi_change = IFF_UP;
    put_str(&m, IFLA_IFNAME, c->host_veth);
    put_u32(&m, IFLA_MTU, (uint32_t)c->mtu);
    put_u32(&m, IFLA_MASTER, (uint32_t)bridge);
    struct rtattr *info = nest(&m, IFLA_LINKINFO);
    put_str(&m, IFLA_INFO_KIND, "veth");
    struct rtattr *data = nest(&m, IFLA_INFO_DATA);
    struct rtattr *peer = nest(&m, VETH_INFO_PEER);
    struct ifinfomsg *pifi = put_raw(&m, sizeof *pifi);
    pifi->ifi_family = AF_UNSPEC;
    put_str(&m, IFLA_IFNAME, c->ifname);
    put_u32(&m, IFLA_MTU, (uint32_t)c->mtu);
    if (c->has_mac) put(&m, IFLA_ADDRESS, c->mac, 6);
    put_u32(&m, IFLA_NET_NS_FD, (uint32_t)cns);
    nest_end(&m, peer);
    nest_end(&m, data);
    nest_end(&m, info);
    STEP("veth pair", talk(host, &m, NULL));
  }
  close(cns);
  cns = -1;
  /* From here on a failure removes the pair again (the caller's contract, as with ip). */
  STEP("IPv6 setting", set_ipv6(c->container_ns, c->ifname, c->has_address6));
  STEP("container lo up", link_up(cont, 1));
  STEP("container link lookup", link_index(cont, c->ifname, &inner));
  STEP("address", add_address(cont, AF_INET, &c->address, c->prefix, inner));
  if (c->has_address6) STEP("IPv6 address", add_address(cont, AF_INET6, &c->address6, c->prefix6, inner));
  STEP("container link up", link_up(cont, inner));
  if (c->has_gateway) STEP("default route", default_route(cont, AF_INET, &c->gateway, inner));
  if (c->has_gateway6) STEP("IPv6 default route", default_route(cont, AF_INET6, &c->gateway6, inner));
  return 0;
out:
  if (cns >= 0) close(cns);
  if (c->step && strcmp(c->step, "bridge lookup") && strcmp(c->step, "container namespace") &&
      strcmp(c->step, "veth pair")) {
    int d = del_link(host, c->host_veth);
    if (d < 0) c->cleanup_err = -d;
  }
  return r;
}

static void execute(napi_env env, void *arg) {
  (void)env;
  call_t *c = arg;
  int fds[2] = {-1, -1};
  int r = sockets_in(c->holder_ns, c->detach ? NULL : c->container_ns, fds);
  if (r < 0) {
    c->step = "joining the network namespaces";
    c->err = -r;
    return;
  }
  if (c->detach) {
    c->step = "link delete";
    r = del_link(fds[0], c->host_veth);
  } else {
    r = do_attach(c, fds[0], fds[1]);
  }
  c->err = r < 0 ? -r : 0;
  for (int i = 0; i < 2; i++)
    if (fds[i] >= 0) close(fds[i]);
}

/* " 10.0.0.2/24 on eth0" for the steps that concern one address or route, else "". */
static void describe_step(const call_t *c, char *out, size_t size) {
  char a[INET6_ADDRSTRLEN] = "";
  const char *s = c->step ? c->step : "";
  if (!strcmp(s, "address")) {
    inet_ntop(AF_INET, &c->address, a, sizeof a);
    snprintf(out, size, " %s/%d on %s", a, c->prefix, c->ifname);
  } else if (!strcmp(s, "IPv6 address")) {
    inet_ntop(AF_INET6, &c->address6, a, sizeof a);
    snprintf(out, size, " %s/%d on %s", a, c->prefix6, c->ifname);
  } else if (!strcmp(s, "IPv6 setting")) {
    snprintf(out, size, " disable_ipv6=%d on %s", c->has_address6 ? 0 : 1, c->ifname);
  } else if (!strcmp(s, "default route")) {
    inet_ntop(AF_INET, &c->gateway, a, sizeof a);
    snprintf(out, size, " via %s dev %s", a, c->ifname);
  } else if (!strcmp(s, "IPv6 default route")) {
    inet_ntop(AF_INET6, &c->gateway6, a, sizeof a);
    snprintf(out, size, " via %s dev %s", a, c->ifname);
  }
}

static void complete(napi_env env, napi_status status, void *arg) {
  call_t *c = arg;
  napi_value result;
  if (status == napi_ok && c->err == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, c->deferred, result);
  } else {
    int e = c->err ? c->err : EIO;
    char text[384], what[96] = "";
    describe_step(c, what, sizeof what);
    int n = snprintf(text, sizeof text, "%s %s: %s%s: %s", c->detach ? "veth detach" : "veth attach",
                     c->host_veth, c->step ? c->step : "?", what, strerror(e));
    if (c->cleanup_err && n > 0 && (size_t)n < sizeof text)
      snprintf(text + n, sizeof text - (size_t)n, " (and removing the pair again failed: %s)",
               strerror(c->cleanup_err));
    napi_value code, msg;
    napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &code);
    napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, code, msg, &result);
    napi_set_named_property(env, result, "code", code);
    napi_reject_deferred(env, c->deferred, result);
  }
  napi_delete_async_work(env, c->work);
  free(c);
}

static napi_value queue(napi_env env, call_t *c) {
  napi_value promise, name;
  if (napi_create_promise(env, &c->deferred, &promise) != napi_ok) {
    free(c);
    return NULL;
  }
  napi_create_string_utf8(env, "rootlessd.veth", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, c, &c->work);
  napi_queue_async_work(env, c->work);
  return promise;
}

/* A string property copied into out (size bytes); 0 on success. */
static int prop_str(napi_env env, napi_value o, const char *key, char *out, size_t size) {
  napi_value v;
  size_t len;
  if (napi_get_named_property(env, o, key, &v) != napi_ok) return -1;
  if (napi_get_value_string_utf8(env, v, out, size, &len) != napi_ok) return -1;
  return len + 1 < size ? 0 : -1;
}

/* A link name property: shorter than IFNAMSIZ, as the kernel wants. */
static int prop_name(napi_env env, napi_value o, const char *key, char *out, size_t size) {
  return prop_str(env, o, key, out, size) || strlen(out) >= IFNAMSIZ ? -1 : 0;
}

/* An optional string property: "" when absent or undefined. */
static int prop_opt_str(napi_env env, napi_value o, const char *key, char *out, size_t size) {
  bool has = false;
  napi_value v;
  napi_valuetype t;
  *out = 0;
  if (napi_has_named_property(env, o, key, &has) != napi_ok) return -1;
  if (!has) return 0;
  if (napi_get_named_property(env, o, key, &v) != napi_ok || napi_typeof(env, v, &t) != napi_ok) return -1;
  return t == napi_undefined ? 0 : prop_str(env, o, key, out, size);
}

static int prop_int(napi_env env, napi_value o, const char *key, int *out) {
  napi_value v;
  int32_t x;
  if (napi_get_named_property(env, o, key, &v) != napi_ok || napi_get_value_int32(env, v, &x) != napi_ok)
    return -1;
  *out = x;
  return 0;
}

static napi_value attach(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value o;
  napi_get_cb_info(env, info, &argc, &o, NULL, NULL);
  call_t *c = calloc(1, sizeof *c);
  char mac[32] = "", address[32] = "", gateway[32] = "", address6[64] = "", gateway6[64] = "";
  int bad = !c || argc < 1 || prop_str(env, o, "holderNs", c->holder_ns, sizeof c->holder_ns) ||
            prop_str(env, o, "containerNs", c->container_ns, sizeof c->container_ns) ||
            prop_name(env, o, "hostVeth", c->host_veth, sizeof c->host_veth) ||
            prop_name(env, o, "bridge", c->bridge, sizeof c->bridge) ||
            prop_name(env, o, "ifname", c->ifname, sizeof c->ifname) ||
            prop_str(env, o, "mac", mac, sizeof mac) || prop_str(env, o, "address", address, sizeof address) ||
            prop_str(env, o, "gateway", gateway, sizeof gateway) || prop_int(env, o, "prefix", &c->prefix) ||
            prop_int(env, o, "mtu", &c->mtu) || inet_pton(AF_INET, address, &c->address) != 1 ||
            c->prefix < 0 || c->prefix > 32;
  if (!bad && *gateway) {
    c->has_gateway = 1;
    bad = inet_pton(AF_INET, gateway, &c->gateway) != 1;
  }
  if (!bad)
    bad = prop_opt_str(env, o, "address6", address6, sizeof address6) ||
          prop_opt_str(env, o, "gateway6", gateway6, sizeof gateway6);
  if (!bad && *address6) {
    c->has_address6 = 1;
    bad = prop_int(env, o, "prefix6", &c->prefix6) || inet_pton(AF_INET6, address6, &c->address6) != 1 ||
          c->prefix6 < 0 || c->prefix6 > 128;
  }
  if (!bad && *gateway6) {
    c->has_gateway6 = 1;
    bad = inet_pton(AF_INET6, gateway6, &c->gateway6) != 1;
  }
  if (!bad && *mac) {
    c->has_mac = 1;
    bad = sscanf(mac, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &c->mac[0], &c->mac[1], &c->mac[2], &c->mac[3],
                 &c->mac[4], &c->mac[5]) != 6;
  }
  if (bad) {
    free(c);
    napi_throw_type_error(env, NULL,
                          "attach({ holderNs, containerNs, hostVeth, bridge, ifname, mac, address, prefix, "
                          "gateway, mtu, address6?, prefix6?, gateway6? })");
    return NULL;
  }
  return queue(env, c);
}

static napi_value detach(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  call_t *c = calloc(1, sizeof *c);
  size_t len;
  if (!c || argc < 2 ||
      napi_get_value_string_utf8(env, argv[0], c->holder_ns, sizeof c->holder_ns, &len) != napi_ok ||
      napi_get_value_string_utf8(env, argv[1], c->host_veth, sizeof c->host_veth, &len) != napi_ok) {
    free(c);
    napi_throw_type_error(env, NULL, "detach(holderNs, hostVeth)");
    return NULL;
  }
  c->detach = 1;
  return queue(env, c);
}

NAPI_MODULE_INIT() {
  napi_value fn;
  napi_create_function(env, "attach", NAPI_AUTO_LENGTH, attach, NULL, &fn);
  napi_set_named_property(env, exports, "attach", fn);
  napi_create_function(env, "detach", NAPI_AUTO_LENGTH, detach, NULL, &fn);
  napi_set_named_property(env, exports, "detach", fn);
  return exports;
}
