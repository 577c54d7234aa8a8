//! CAQES web form — placeholder application.
//!
//! This is only the skeleton used to prove the WebAssembly pipeline
//! (`scripts/build-web`, service worker, browser tests). The form itself
//! replaces [`App`].

use yew::prelude::*;

#[function_component(App)]
fn app() -> Html {
    html! {
        <main id="app">
            <h1>{ "Auto-évaluation CAQES" }</h1>
            <p>{ "Chargement du formulaire…" }</p>
        </main>
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    // Mount into <body>; index.html contains no other element.
    yew::Renderer::<App>::new().render();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    // Native build exists only so that `cargo build/test/clippy --workspace`
    // covers this crate. The app runs in the browser: see scripts/build-web.
    eprintln!("caqes-web is a WebAssembly app: run scripts/serve-web");
}

#[cfg(test)]
mod tests {
    #[test]
    fn app_builds_a_vnode_natively() {
        let node = yew::html! { <super::App /> };
        assert!(matches!(node, yew::virtual_dom::VNode::VComp(_)));
    }
}
