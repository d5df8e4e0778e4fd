//! The syllables synthetic bench articles are made of: every distinct word of the labelled
//! dedup set's stories (real Vietnamese), lower-cased.

pub fn vocabulary() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dupes/stories");
    let mut words: Vec<String> = std::fs::read_dir(&dir)
        .expect("stories")
        .filter_map(|e| e.ok())
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .flat_map(|text| {
            text.split(|c: char| !c.is_alphabetic())
                .filter(|w| !w.is_empty())
                .map(|w| w.to_lowercase())
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort();
    words.dedup();
    words
}

/// `n` words of `words` drawn by `rng`, joined by spaces.
pub fn phrase(rng: &mut fastrand::Rng, words: &[String], n: usize) -> String {
    (0..n)
        .map(|_| words[rng.usize(..words.len())].as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
