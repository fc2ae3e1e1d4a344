#!/usr/bin/env bash
# A self-contained Dovecot IMAP instance under DIR, listening on 127.0.0.1:PORT only, with
# maildirs in DIR/mail and users user1..userN@example.test (password "pass"), for benchmarks.
# Needs root and Debian's dovecot-imapd; leaves /etc/dovecot alone.
#   dovecot-instance.sh start DIR PORT [USERS [LMTP_PORT]]   LMTP_PORT: also deliver over LMTP
#                                                            there (as Postfix does in real setups)
#   dovecot-instance.sh stop DIR
set -euo pipefail
cmd=${1:?usage}; dir=${2:?usage}
case "$cmd" in
stop)
  [ -f "$dir/dovecot.conf" ] && doveadm -c "$dir/dovecot.conf" stop >/dev/null 2>&1 || true
  exit 0;;
start) ;;
*) echo "unknown command $cmd" >&2; exit 2;;
esac
port=${3:?port}; users=${4:-20}; lmtp_port=${5:-}
protocols=imap; [ -n "$lmtp_port" ] && protocols="imap lmtp"
rm -rf "$dir"; mkdir -p "$dir/mail" "$dir/run"; chmod 755 "$dir"
getent group vmail >/dev/null || groupadd -g 5000 vmail
getent passwd vmail >/dev/null || useradd -u 5000 -g 5000 -d /nonexistent -s /usr/sbin/nologin -M vmail
chown vmail:vmail "$dir/mail"
: > "$dir/users"
for i in $(seq 1 "$users"); do echo "user$i@example.test:{PLAIN}pass" >> "$dir/users"; done
chown root:dovecot "$dir/users"; chmod 640 "$dir/users"
cat > "$dir/dovecot.conf" <<CONF
protocols = $protocols
listen = 127.0.0.1
base_dir = $dir/run
instance_name = dovecot-bench-$port
log_path = $dir/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:$dir/mail/%d/%n/Maildir
mail_uid = 5000
mail_gid = 5000
first_valid_uid = 5000
last_valid_uid = 5000
mail_fsync = optimized
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
}
userdb {
  driver = static
  args = uid=5000 gid=5000 home=$dir/mail/%d/%n
}
namespace inbox {
  inbox = yes
  separator = /
}
protocol imap {
  mail_max_userip_connections = 5000
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
  process_min_avail = 2
}
service imap {
  process_limit = 5000
}
CONF
if [ -n "$lmtp_port" ]; then
  # LMTP delivery as Debian's dovecot-lmtpd does it for Postfix: the user part names the
  # mailbox (user1@example.test), the userdb gives the maildir.
  cat >> "$dir/dovecot.conf" <<CONF
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $lmtp_port
  }
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}
CONF
fi
dovecot -c "$dir/dovecot.conf"
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { echo "dovecot listening on 127.0.0.1:$port"; exit 0; }
  sleep 0.1
done
echo "dovecot did not start; see $dir/dovecot.log" >&2
exit 1
