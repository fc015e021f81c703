#!/usr/bin/env bash
# Lays out what the standalone server's image holds besides the application (Jib adds that):
# a jlink-ed Java runtime in /opt/java, the few shared libraries it loads from this machine
# (glibc, libz, libstdc++, the dynamic loader), and /etc files for the non-root user 65532
# ("wspool") and name lookup. Jib puts the result on an empty ("scratch") base: no registry and no
# Docker daemon are needed, only the JDK that builds the project. Called by the `image` profile
# of samples/standalone-server (pom.xml); usage: rootfs.sh OUTPUT_DIR
set -euo pipefail
out=$(realpath -m "${1:?usage: rootfs.sh OUTPUT_DIR}")
java_home=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
jlink="$java_home/bin/jlink"
[ -x "$jlink" ] || { echo "rootfs.sh: no jlink in $java_home (a JDK with jmods is needed)" >&2; exit 1; }

# What `jdeps --ignore-missing-deps --multi-release 17 --print-module-deps standalone-server.jar`
# prints (java.desktop: java.beans, which logback and Jackson use), plus jdk.crypto.ec for TLS with
# EC keys (wss://, rediss://). Not computed on each build: jdeps takes half a minute on the shaded
# jar; a missing module shows as a NoClassDefFoundError in ContainerImageIT.
modules=java.base,java.desktop,java.management,java.naming,java.sql,jdk.jfr,jdk.unsupported,jdk.crypto.ec

stamp="$(sha256sum "$0" | cut -c1-16)-$("$java_home/bin/java" -version 2>&1 | tr -dc 'A-Za-z0-9.+-' | cut -c1-80)"
if [ -f "$out.stamp" ] && [ "$(cat "$out.stamp")" = "$stamp" ]; then
  echo "rootfs.sh: $out is up to date"
  exit 0
fi
rm -rf "$out" "$out.stamp"
mkdir -p "$out/opt" "$out/etc" "$out/tmp"
"$jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 \
  --output "$out/opt/java"
# Debian's JDK links cacerts to /etc/ssl: keep the certificates themselves.
if [ -L "$out/opt/java/lib/security/cacerts" ] || [ ! -s "$out/opt/java/lib/security/cacerts" ]; then
  cp --remove-destination -L "$java_home/lib/security/cacerts" "$out/opt/java/lib/security/cacerts"
fi

# The libraries the runtime loads, as regular files at the paths the loader looks in. The AWT
# libraries of java.desktop are never loaded by a server (no GUI, no fonts): their X11 and font
# dependencies stay out.
libs=$(find "$out/opt/java" -name '*.so' ! -name 'libawt*' ! -name 'libjawt*' ! -name 'libfontmanager*' ! -name 'libjavajpeg*' \
  ! -name 'liblcms*' ! -name 'libmlib_image*' ! -name 'libsplashscreen*' ! -name 'libjsound*')
for f in "$out/opt/java/bin/java" $libs; do
  ldd "$f" | awk '/=>/ && $3 ~ /^\// {print $3} /^[[:space:]]*\/[^ ]*ld-linux/ {print $1}'
done | grep -v "^$out/" | sort -u | while read -r lib; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done

cat > "$out/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/sbin/nologin
wspool:x:65532:65532:reactive-wspool:/tmp:/sbin/nologin
PASSWD
cat > "$out/etc/group" <<'GROUP'
root:x:0:
wspool:x:65532:
GROUP
echo 'hosts: files dns' > "$out/etc/nsswitch.conf"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$out/etc/hosts"
echo "$stamp" > "$out.stamp"
du -sh "$out" | awk '{print "rootfs.sh: " $1 " in '"$out"'"}'
