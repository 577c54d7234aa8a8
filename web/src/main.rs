//! Entry point of the CAQES web form (see the library crate `caqes_web`).

fn main() {
    #[cfg(target_arch = "wasm32")]
    caqes_web::start();
    // Native build exists only so that `cargo build/test/clippy --workspace`
    // covers this crate. The app runs in the browser: see scripts/build-web.
    #[cfg(not(target_arch = "wasm32"))]
    eprintln!("caqes-web is a WebAssembly app: run scripts/serve-web");
}
