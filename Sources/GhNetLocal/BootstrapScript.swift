import GhNetCore

/// The POSIX-sh program the local side writes to the remote `sh`'s stdin. It checks the
/// remote (OS, CPU, C library, TUN, sudo), finds this exact build in the remote user's cache
/// folder (or, where programs cannot run from it, the user's runtime folder) or receives it over
/// the same stdin, verifies and stores it atomically, and `exec`s it
/// as `agent` (passing the address the SSH connection comes from, `SSH_CONNECTION`, which
/// the agent must never route into the tunnel). It reports each step as a `GHNET-BOOT …` line on stdout (see ``BootstrapLine``).
///
/// Why stdin and not `sh -c SCRIPT`: the remote command is then the single word `sh`, which reads
/// the same whether a remote shell re-parses it (ssh) or not (`ip netns exec`), so every
/// transport gets identical words. The whole program is one `{ … }` group, so the shell has
/// parsed all of it before running any of it, and the local side sends nothing more until
/// the script asks (`send`) or has exec'd the agent (`exec`): the shell can never swallow
/// binary or frame bytes as script text.
public struct BootstrapScript: Sendable {
    /// The build to find or install.
    public let sha256: String
    /// Its size in bytes (what `head -c` reads when it must be sent).
    public let size: Int
    /// `uname -m` the build runs on.
    public let machine: String
    /// The oldest glibc that can load it, if it needs glibc.
    public let requiredGlibc: GlibcVersion?
    /// Arguments after `agent` (already plain words: no quoting needed, checked at init).
    public let agentArguments: [String]
    /// The TUN control device the remote must have (another path only in tests).
    public let tunDevice: String

    public init(sha256: String, size: Int, machine: String, requiredGlibc: GlibcVersion?, agentArguments: [String],
                tunDevice: String = "/dev/net/tun") {
        precondition(sha256.allSatisfy(\.isHexDigit) && machine.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" })
        precondition(tunDevice.allSatisfy { $0.isLetter || $0.isNumber || "/_-.".contains($0) }, "a plain path")
        self.tunDevice = tunDevice
        self.sha256 = sha256
        self.size = size
        self.machine = machine
        self.requiredGlibc = requiredGlibc
        self.agentArguments = agentArguments
    }

    /// The program text; ends with a newline after the closing brace.
    public var text: String {
        let args = agentArguments.map(ShellWords.quote).joined(separator: " ")
        let glibcCheck: String
        if let need = requiredGlibc {
            glibcCheck = """
            v=$(getconf GNU_LIBC_VERSION 2>/dev/null) || v=
            case "$v" in
              glibc\\ *) v=${v#glibc }; maj=${v%%.*}; min=${v#*.}; min=${min%%.*}
                if [ "$maj" -lt \(need.major) ] || { [ "$maj" -eq \(need.major) ] && [ "$min" -lt \(need.minor) ]; }; then
                  fail libc "the remote C library is glibc $maj.$min; this gh-net build needs glibc \(need) or newer"
                fi ;;
              *) fail libc "the remote C library is not glibc (found: ${v:-unknown, musl?}); this gh-net build needs glibc \(need) or newer" ;;
            esac
            """
        } else {
            glibcCheck = ":"
        }
        return """
        {
        tmp=
        # A newline first: shell start-up output without one (a title escape, echo -n) must not
        # run into the first status line.
        printf '\\n'
        say() { printf 'GHNET-BOOT %s\\n' "$*"; }
        fail() { [ -z "$tmp" ] || rm -f "$tmp" "$tmp.err"; say "error $1 $2"; exit 1; }
        os=$(uname -s); [ "$os" = Linux ] || fail os "the remote runs $os; the gh-net agent needs Linux"
        m=$(uname -m); [ "$m" = \(machine) ] || fail arch "the remote CPU is $m; this gh-net build is for \(machine)"
        \(glibcCheck)
        [ -c \(tunDevice) ] || fail tun "the remote has no \(tunDevice); load the tun module or start the container with --device /dev/net/tun"
        home=${HOME:-$(getent passwd "$(id -u)" 2>/dev/null | cut -d: -f6)}
        [ -n "${XDG_CACHE_HOME:-$home}" ] || fail store "the remote user has no home folder (HOME is not set) to keep the agent in"
        dir=${XDG_CACHE_HOME:-$home/.cache}/gh-net
        mkdir -p "$dir" 2>/dev/null && chmod 700 "$dir" 2>/dev/null || fail store "cannot create the cache folder $dir"
        [ -O "$dir" ] || fail store "the cache folder $dir belongs to another user"
        # Programs must be able to run from where the agent is kept. A file system mounted noexec
        # refuses them whatever `test -x` says (busybox's looks at the mode bits only), so a tiny
        # program is run there to find out: 0 it ran, 2 it could not be written, else refused.
        runs() {
          p=$1/.gh-net-probe.$$
          trap 'rm -f "$p"; exit 1' HUP INT TERM
          if printf '#!/bin/sh\\n' > "$p" 2>/dev/null && chmod 700 "$p" 2>/dev/null; then "$p" 2>/dev/null; r=$?; else r=2; fi
          rm -f "$p"
          trap - HUP INT TERM
          return $r
        }
        # A folder of this user alone: a real folder (no symlink), ours, mode 700.
        private_dir() {
          [ -d "$1" ] && [ ! -L "$1" ] && [ -O "$1" ] || return 1
          case $(ls -ld "$1" 2>/dev/null) in drwx------*) return 0 ;; *) return 1 ;; esac
        }
        runs "$dir"; r=$?
        if [ "$r" != 0 ]; then
          [ "$r" = 2 ] && fail store "cannot write to the cache folder $dir"
          # The user's runtime folder keeps the agent instead, if it is theirs alone and runs it.
          why="programs cannot run from $dir (its file system is mounted noexec)"
          fix="point XDG_CACHE_HOME on the remote at a folder where they can"
          if [ -n "${XDG_RUNTIME_DIR:-}" ] && private_dir "$XDG_RUNTIME_DIR"; then
            alt=$XDG_RUNTIME_DIR/gh-net
            mkdir -p "$alt" 2>/dev/null && chmod 700 "$alt" 2>/dev/null && private_dir "$alt" && runs "$alt" ||
              fail noexec "$why, nor from $alt; $fix"
            dir=$alt
          else
            fail noexec "$why, and XDG_RUNTIME_DIR names no private folder to use instead; $fix"
          fi
        fi
        bin=$dir/gh-net-\(sha256)
        if [ -x "$bin" ] && [ "$(wc -c < "$bin" | tr -d ' ')" = \(size) ]; then
          say cached "$bin"
        else
          need=$(( (\(size) + 1023) / 1024 + 64 ))
          free=$(df -Pk "$dir" 2>/dev/null | awk 'NR==2 {print $4}')
          if [ -n "$free" ] && [ "$free" -lt "$need" ] 2>/dev/null; then
            fail space "no space left for the agent in $dir: it needs $need KiB, $free KiB are free"
          fi
          tmp=$dir/.gh-net-\(sha256).$$
          trap 'rm -f "$tmp" "$tmp.err"; exit 1' HUP INT TERM
          say send \(size)
          head -c \(size) > "$tmp" 2>"$tmp.err" || fail store "could not store the agent in $dir: $(cat "$tmp.err" 2>/dev/null)"
          got=$(wc -c < "$tmp" | tr -d ' ')
          [ "$got" = \(size) ] || fail store "the agent arrived incomplete ($got of \(size) bytes)"
          sum=$(sha256sum "$tmp" 2>/dev/null | cut -d ' ' -f 1)
          [ "$sum" = \(sha256) ] || fail hash "the agent arrived corrupted (sha256 ${sum:-unavailable}, expected \(sha256))"
          rm -f "$tmp.err"
          chmod 755 "$tmp" && mv -f "$tmp" "$bin" || fail store "could not move the agent into place at $bin"
          tmp=
          trap - HUP INT TERM
          say stored "$bin"
        fi
        peer=${SSH_CONNECTION%% *}
        set -- \(args)
        case "$peer" in *[!0-9a-fA-F.:]*|'') ;; *) set -- "$@" --transport-peer "$peer" ;; esac
        if [ "$(id -u)" = 0 ]; then
          say exec root
          exec "$bin" agent "$@"
        fi
        command -v sudo >/dev/null 2>&1 || fail sudo "the agent needs root and the remote has no sudo"
        sudo -n true 2>/dev/null || fail sudo "sudo on the remote asks for a password; the agent needs passwordless sudo (sudo -n)"
        say exec sudo
        exec sudo -n "$bin" agent "$@"
        }

        """
    }
}
