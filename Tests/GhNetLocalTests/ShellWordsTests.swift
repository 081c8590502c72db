import Testing
@testable import GhNetLocal

@Suite struct ShellWordsTests {
    @Test(arguments: [
        ("ip netns exec cs", ["ip", "netns", "exec", "cs"]),
        ("ssh -F 'my file' host --", ["ssh", "-F", "my file", "host", "--"]),
        ("a\\ b \"c \\\"d\\\" \\x\" ''", ["a b", "c \"d\" \\x", ""]),
        ("  spaced\tout  ", ["spaced", "out"]),
        ("", []),
    ])
    func splitsLikeAShell(line: String, words: [String]) throws {
        #expect(try ShellWords.split(line) == words)
    }

    @Test(arguments: ["'open", "\"open", "trailing\\", "\"esc\\"])
    func rejectsUnbalancedQuotes(line: String) {
        #expect(throws: ShellWords.UnterminatedQuote.self) { try ShellWords.split(line) }
    }

    @Test(arguments: ["plain", "with space", "it's", "", "$HOME", "a\"b", "--opt=1,2"])
    func quoteRoundTrips(word: String) throws {
        #expect(try ShellWords.split(ShellWords.quote(word)) == [word])
    }
}

@Suite struct SSHDestinationTests {
    @Test(arguments: [
        ("host", nil, "host", nil),
        ("root@198.18.0.2", "root", "198.18.0.2", nil),
        ("me@devbox.example.com:2222", "me", "devbox.example.com", UInt16(2222)),
        ("[2001:db8::2]:22", nil, "2001:db8::2", UInt16(22)),
        ("root@[2001:db8::2]", "root", "2001:db8::2", nil),
        ("2001:db8::2", nil, "2001:db8::2", nil),
    ] as [(String, String?, String, UInt16?)])
    func parses(text: String, user: String?, host: String, port: UInt16?) throws {
        let d = try SSHDestination(parsing: text)
        #expect(d.user == user && d.host == host && d.port == port)
        #expect(try SSHDestination(parsing: d.description) == d)
    }

    @Test(arguments: ["", "@host", "host:0", "host:99999", "host:x", "[::1", "[::1]x", "-oProxyCommand=evil", "a b"])
    func rejects(text: String) {
        #expect(throws: SSHDestination.Invalid.self) { try SSHDestination(parsing: text) }
    }

    @Test func buildsTransportCommands() throws {
        let ssh = TransportTarget.ssh(try SSHDestination(parsing: "root@cs:2222"))
        #expect(ssh.argv(sshCommand: ["ssh", "-F", "cfg"], remoteCommand: ["sh"]) ==
                ["ssh", "-F", "cfg", "-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                 "-p", "2222", "root@cs", "--", "sh"])
        #expect(TransportTarget.via(["ip", "netns", "exec", "cs"]).argv(sshCommand: ["ssh"], remoteCommand: ["sh"]) ==
                ["ip", "netns", "exec", "cs", "sh"])
        #expect(TransportTarget.codespace(name: "fluffy-x").argv(sshCommand: ["ssh"], remoteCommand: ["sh"]) ==
                ["gh", "codespace", "ssh", "-c", "fluffy-x", "--", "-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3", "sh"])
    }

    @Test func aReconnectNeverLetsSshPrompt() throws {
        let ssh = TransportTarget.ssh(try SSHDestination(parsing: "root@cs"))
        #expect(ssh.argv(sshCommand: ["ssh"], remoteCommand: ["sh"], unattended: true) ==
                ["ssh", "-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3", "-o", "BatchMode=yes", "root@cs", "--", "sh"])
        #expect(TransportTarget.codespace(name: "fluffy-x").argv(sshCommand: ["ssh"], remoteCommand: ["sh"], unattended: true) ==
                ["gh", "codespace", "ssh", "-c", "fluffy-x", "--", "-T", "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
                 "-o", "BatchMode=yes", "sh"])
        #expect(TransportTarget.via(["ip", "netns", "exec", "cs"]).argv(sshCommand: ["ssh"], remoteCommand: ["sh"], unattended: true) ==
                ["ip", "netns", "exec", "cs", "sh"], "a --via command is the user's own: left as it is")
    }
}
