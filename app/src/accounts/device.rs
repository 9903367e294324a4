//! What a session was started on, as a person recognises it on their list
//! of sessions ("Firefox on Linux"): read from the browser's User-Agent.
//! Only the browser family and the system are kept, never the whole string.

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Browser {
    Edge,
    Opera,
    Chrome,
    Firefox,
    Safari,
    /// Not a browser: an app, a script, a seed's client.
    App,
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum System {
    Windows,
    MacOs,
    Ios,
    Android,
    ChromeOs,
    Linux,
    #[default]
    Unknown,
}

/// A browser family and a system: small, copied with the request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Device {
    browser: Browser,
    system: System,
}

impl Device {
    pub fn from_user_agent(agent: &str) -> Self {
        let has = |needle: &str| agent.contains(needle);
        let browser = if agent.trim().is_empty() {
            Browser::Unknown
        } else if has("Edg/") {
            Browser::Edge
        } else if has("OPR/") {
            Browser::Opera
        } else if has("Firefox/") {
            Browser::Firefox
        } else if has("Chrome/") || has("Chromium/") || has("CriOS/") {
            Browser::Chrome
        } else if has("Safari/") {
            Browser::Safari
        } else {
            Browser::App
        };
        let system = if has("Windows") {
            System::Windows
        } else if has("iPhone") || has("iPad") {
            System::Ios
        } else if has("Mac OS X") || has("Macintosh") {
            System::MacOs
        } else if has("Android") {
            System::Android
        } else if has("CrOS") {
            System::ChromeOs
        } else if has("Linux") {
            System::Linux
        } else {
            System::Unknown
        };
        Self { browser, system }
    }

    /// "Firefox on Linux", "Safari on iPhone or iPad", "An app or script".
    pub fn label(self) -> String {
        let browser = match self.browser {
            Browser::Edge => "Edge",
            Browser::Opera => "Opera",
            Browser::Chrome => "Chrome",
            Browser::Firefox => "Firefox",
            Browser::Safari => "Safari",
            Browser::App => return "An app or script".into(),
            Browser::Unknown => return "An unknown device".into(),
        };
        let system = match self.system {
            System::Windows => "Windows",
            System::MacOs => "macOS",
            System::Ios => "iPhone or iPad",
            System::Android => "Android",
            System::ChromeOs => "ChromeOS",
            System::Linux => "Linux",
            System::Unknown => return browser.into(),
        };
        format!("{browser} on {system}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_browsers_and_clients_get_a_label_a_person_recognises() {
        for (agent, label) in [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
                "Safari on iPhone or iPad",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            ("Dart/3.5 (dart:io)", "An app or script"),
            ("curl/8.5.0", "An app or script"),
            ("", "An unknown device"),
        ] {
            assert_eq!(Device::from_user_agent(agent).label(), label, "{agent}");
        }
    }
}
