import Glibc

/// The C library's text for an errno value ("File exists").
func errorText(_ code: Int32) -> String {
    String(cString: strerror(code))
}
