//! The websocket protocol decoder: any text a client sends is an error or
//! a message that survives a round trip; any topic name that parses prints
//! back as itself.
#![no_main]

use app::live::protocol::{ClientMessage, Topic};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = serde_json::from_slice::<ClientMessage>(data) {
        let text = serde_json::to_string(&message).expect("a message serialises");
        let again: ClientMessage = serde_json::from_str(&text).expect("and reads back");
        assert_eq!(again, message);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(topic) = text.parse::<Topic>()
    {
        assert_eq!(topic.to_string().parse::<Topic>(), Ok(topic));
        assert!(matches!(topic.to_string().split_once(':'), Some((_, id)) if !id.starts_with('-')));
    }
});
