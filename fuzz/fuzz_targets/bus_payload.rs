//! The bus payload decoder (what another instance NOTIFYs): any text is
//! ignored or decoded, never a panic; what decodes encodes to texts that
//! decode again, each under NOTIFY's cap.
#![no_main]

use app::live::bus::{CAP, decode, encode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Some(remote) = decode("a", text) else {
        return;
    };
    for sent in encode("b", &remote) {
        assert!(sent.len() < CAP);
        assert!(decode("a", &sent).is_some(), "{sent:?} from {text:?}");
    }
});
