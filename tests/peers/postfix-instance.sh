#!/usr/bin/env bash
# A self-contained Postfix instance (its own main.cf, master.cf, queue and log under DIR),
# listening on 127.0.0.1:PORT only, for tests and benchmarks. Needs root and the Debian
# 'postfix' package; leaves /etc/postfix alone.
#
# Optional, from the environment (for peers of the SMTP connector's end-to-end tests):
#   PEER_ADDRESS=127.0.0.30        listen on this loopback address instead of 127.0.0.1 (any of
#                                  127.0.0.0/8: bound in master.cf, which inet_interfaces does not limit)
#   PEER_DISCARD_EHLO=8bitmime,... EHLO keywords not announced (smtpd_discard_ehlo_keywords),
#                                  e.g. 8bitmime, smtputf8, chunking, pipelining
#   PEER_TLS_CERT=/path/cert.pem   offer STARTTLS with this certificate (chain) and
#   PEER_TLS_KEY=/path/key.pem     key (smtpd_tls_security_level=may); without them, no STARTTLS
#
#   postfix-instance.sh start DIR PORT relay DOMAIN HOST:PORT   relay DOMAIN to HOST:PORT (transport map)
#   postfix-instance.sh start DIR PORT accept DOMAIN            accept DOMAIN, deliver to maildirs in DIR/mail
#   postfix-instance.sh start DIR PORT lmtp DOMAIN HOST:PORT    accept DOMAIN, deliver over LMTP to HOST:PORT (Dovecot)
#   postfix-instance.sh stop DIR
#   postfix-instance.sh queue DIR                               messages still in the queue (a number)
#   postfix-instance.sh log DIR                                 the instance's log
set -euo pipefail
cmd=${1:?usage}; dir=${2:?usage}
run() { script -qec "$*" /dev/null; }  # postfix reports errors only to a terminal

case "$cmd" in
stop)
  [ -f "$dir/main.cf" ] && run "postfix -c $dir stop" >/dev/null 2>&1 || true
  exit 0;;
log)
  cat "$dir/maillog" 2>/dev/null || true
  exit 0;;
queue)
  find "$dir/queue/incoming" "$dir/queue/active" "$dir/queue/deferred" "$dir/queue/maildrop" -type f 2>/dev/null | wc -l
  exit 0;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2;;
esac

port=${3:?port}; mode=${4:?mode}; domain=${5:?domain}
address=${PEER_ADDRESS:-127.0.0.1}
rm -rf "$dir"; mkdir -p "$dir/queue" "$dir/data" "$dir/mail"; chmod 755 "$dir"
cp /etc/postfix/master.cf "$dir/master.cf"
: > "$dir/main.cf"
postconf -c "$dir" -e \
  "queue_directory=$dir/queue" "data_directory=$dir/data" \
  "maillog_file=$dir/maillog" "maillog_file_prefixes=$dir" \
  "compatibility_level=3.6" "inet_interfaces=loopback-only" "inet_protocols=ipv4" \
  "myhostname=peer.test" "mydomain=peer.test" "myorigin=peer.test" "mydestination=" \
  "mynetworks=127.0.0.0/8" "alias_maps=" "alias_database=" "local_recipient_maps=" \
  "smtpd_relay_restrictions=permit_mynetworks reject_unauth_destination" \
  "smtp_tls_security_level=may" "smtpd_tls_security_level=none" \
  "default_process_limit=100" "smtpd_client_connection_count_limit=0" \
  "smtp_dns_support_level=disabled" "disable_dns_lookups=yes" "smtpd_peername_lookup=no" \
  "smtpd_discard_ehlo_keywords=${PEER_DISCARD_EHLO:-}"
if [ -n "${PEER_TLS_CERT:-}" ]; then
  postconf -c "$dir" -e "smtpd_tls_security_level=may" "smtpd_tls_cert_file=$PEER_TLS_CERT" \
    "smtpd_tls_key_file=${PEER_TLS_KEY:?PEER_TLS_KEY with PEER_TLS_CERT}" "smtpd_tls_loglevel=1"
fi
case "$mode" in
relay)
  target=${6:?host:port}
  # Retry deferred mail within seconds, not Postfix's five minutes, so a transient refusal
  # during a test is retried (and still counted) inside the test's time bound.
  postconf -c "$dir" -e "relay_domains=$domain" "transport_maps=inline:{ $domain=smtp:[${target%:*}]:${target##*:} }" \
    "queue_run_delay=1s" "minimal_backoff_time=1s" "maximal_backoff_time=2s";;
accept)
  getent group vmail >/dev/null || groupadd -g 5000 vmail
  getent passwd vmail >/dev/null || useradd -u 5000 -g 5000 -d /nonexistent -s /usr/sbin/nologin -M vmail
  chown vmail:vmail "$dir/mail"
  postconf -c "$dir" -e "virtual_mailbox_domains=$domain" "virtual_mailbox_maps=static:$domain/" \
    "virtual_mailbox_base=$dir/mail" "virtual_uid_maps=static:5000" "virtual_gid_maps=static:5000" \
    "virtual_minimum_uid=100";;
lmtp)
  target=${6:?host:port}
  # The usual deployment: Postfix's virtual domain handed to Dovecot's LMTP server.
  postconf -c "$dir" -e "virtual_mailbox_domains=$domain" "virtual_mailbox_maps=static:OK" \
    "virtual_transport=lmtp:inet:${target%:*}:${target##*:}";;
*) echo "unknown mode $mode" >&2; exit 2;;
esac
postconf -c "$dir" -M# 'smtp/inet'
postconf -c "$dir" -M "$address:$port/inet = $address:$port inet n - n - - smtpd"
postconf -c "$dir" -F '*/*/chroot = n'
sed -i 's/^#postlog /postlog /' "$dir/master.cf"
chown root "$dir/queue"; chown postfix "$dir/data"
run "postfix -c $dir set-permissions" >/dev/null 2>&1 || true
out=$(run "postfix -c $dir check") || { echo "postfix check failed: $out" >&2; exit 1; }
out=$(run "postfix -c $dir start") || { echo "postfix start failed: $out" >&2; exit 1; }
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/$address/$port") 2>/dev/null && { echo "postfix listening on $address:$port ($mode $domain)"; exit 0; }
  sleep 0.1
done
echo "postfix did not start; see $dir/maillog" >&2
tail -5 "$dir/maillog" >&2 || true
exit 1
