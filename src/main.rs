#![forbid(unsafe_code)]

fn main() {
    vidreply::mount();
}
