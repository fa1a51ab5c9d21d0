//! The states a search still has to expand, kept small: a state's encoding
//! ([`crate::cpython::state::State::encode`]) without its zero bytes, since most fields of
//! most states are zero. An encoding of 78 bytes (five threads racing) packs to about 35.
//!
//! The packed form is the length, then for each group of eight bytes a mask of those that are
//! not zero followed by them. A search packs every new state and unpacks every state it
//! expands, so both work a word at a time: on a CPU with BMI2 one `pext`/`pdep` per word,
//! elsewhere a step per byte that is not zero; the two give the same bytes.

/// Appends `bytes` to `out`, packed.
pub fn pack(bytes: &[u8], out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("bmi2") {
        // SAFETY: the CPU has BMI2, checked just above.
        return unsafe { bmi2::pack(bytes, out) };
    }
    pack_with(bytes, out, scalar::compress)
}

/// The bytes [`pack`] packed, into `out` (cleared first).
pub fn unpack(packed: &[u8], out: &mut Vec<u8>) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("bmi2") {
        // SAFETY: the CPU has BMI2, checked just above.
        return unsafe { bmi2::unpack(packed, out) };
    }
    unpack_with(packed, out, scalar::expand)
}

/// [`pack`], with `compress(word, mask)` moving the bytes of `word` that `mask` names to its
/// low end, in order.
#[inline(always)]
fn pack_with(bytes: &[u8], out: &mut Vec<u8>, compress: impl Fn(u64, u8) -> u64) {
    let n = bytes.len();
    out.reserve(n + n.div_ceil(8) + 12);
    push_length(n, out);
    for chunk in bytes.chunks(8) {
        let word = read_word(chunk);
        let mask = nonzero_bytes(word);
        out.push(mask);
        out.extend_from_slice(&compress(word, mask).to_le_bytes());
        out.truncate(out.len() - 8 + mask.count_ones() as usize);
    }
}

/// [`unpack`], with `expand(kept, mask)` moving the low bytes of `kept` to the bytes `mask`
/// names, in order, the others zero.
#[inline(always)]
fn unpack_with(packed: &[u8], out: &mut Vec<u8>, expand: impl Fn(u64, u8) -> u64) {
    out.clear();
    let (n, mut i) = read_length(packed);
    out.reserve(n + 8);
    while out.len() < n {
        let mask = packed[i];
        let kept = read_word(&packed[i + 1..]);
        i += 1 + mask.count_ones() as usize;
        out.extend_from_slice(&expand(kept, mask).to_le_bytes());
    }
    out.truncate(n);
}

/// Up to eight bytes as a little-endian word, zeros past the end.
#[inline(always)]
fn read_word(bytes: &[u8]) -> u64 {
    match bytes.get(..8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().expect("eight bytes")),
        None => {
            let mut word = [0u8; 8];
            word[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(word)
        }
    }
}

/// Bit i set when byte i of `word` is not zero.
#[inline(always)]
fn nonzero_bytes(word: u64) -> u8 {
    const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    // The top bit of each byte: set when the byte is not zero (its low seven bits carry into
    // it, or it was set).
    let high = (((word & LOW7) + LOW7) | word) & !LOW7;
    // Gathers the eight top bits into the top byte (no two partial products meet).
    ((high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// A length as one byte below 255, else 255 and four bytes.
fn push_length(n: usize, out: &mut Vec<u8>) {
    match u8::try_from(n) {
        Ok(b) if b < 255 => out.push(b),
        _ => {
            out.push(255);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
    }
}

/// A length [`push_length`] wrote, and where what follows it starts.
fn read_length(packed: &[u8]) -> (usize, usize) {
    match packed[0] {
        255 => (u32::from_le_bytes(packed[1..5].try_into().expect("four bytes")) as usize, 5),
        b => (b as usize, 1),
    }
}

/// Moving bytes a set bit at a time.
mod scalar {
    #[inline(always)]
    pub fn compress(word: u64, mask: u8) -> u64 {
        let (mut kept, mut left, mut k) = (0u64, mask, 0);
        while left != 0 {
            let i = left.trailing_zeros();
            kept |= ((word >> (8 * i)) & 0xff) << (8 * k);
            k += 1;
            left &= left - 1;
        }
        kept
    }

    #[inline(always)]
    pub fn expand(kept: u64, mask: u8) -> u64 {
        let (mut word, mut left, mut k) = (0u64, mask, 0);
        while left != 0 {
            let at = left.trailing_zeros();
            word |= ((kept >> (8 * k)) & 0xff) << (8 * at);
            k += 1;
            left &= left - 1;
        }
        word
    }
}

/// Moving bytes with BMI2's bit gather (`pext`) and scatter (`pdep`).
#[cfg(target_arch = "x86_64")]
mod bmi2 {
    use std::arch::x86_64::{_pdep_u64, _pext_u64};

    /// The mask's bits spread to whole bytes.
    #[inline(always)]
    fn byte_mask(mask: u8) -> u64 {
        // SAFETY: only called from the functions below, which need BMI2 to be called.
        unsafe { _pdep_u64(mask as u64, 0x0101_0101_0101_0101) * 0xff }
    }

    #[target_feature(enable = "bmi2")]
    pub unsafe fn pack(bytes: &[u8], out: &mut Vec<u8>) {
        super::pack_with(bytes, out, |word, mask| _pext_u64(word, byte_mask(mask)))
    }

    #[target_feature(enable = "bmi2")]
    pub unsafe fn unpack(packed: &[u8], out: &mut Vec<u8>) {
        super::unpack_with(packed, out, |kept, mask| _pdep_u64(kept, byte_mask(mask)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(bytes: &[u8]) -> Vec<u8> {
        // Packed after other bytes, as in a part of a level.
        let (mut packed, mut back) = (vec![9u8], Vec::new());
        pack(bytes, &mut packed);
        unpack(&packed[1..], &mut back);
        back
    }

    #[test]
    fn packing_gives_back_every_byte_string() {
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0],
            vec![7],
            vec![0; 600],
            vec![1; 600],
            (0..=255).collect(),
            (0..1000).map(|i| if i % 7 < 3 { 0 } else { i as u8 | 1 }).collect(),
            (0..=255).map(|i: u8| i.rotate_left(3) & 0x81).collect(),
            vec![0x80, 0, 1, 0x7f, 0xff, 0, 0, 0x01, 0x80],
        ];
        for bytes in cases {
            assert_eq!(round_trip(&bytes), bytes);
        }
    }

    #[test]
    fn packing_drops_the_zeros() {
        let mut packed = Vec::new();
        pack(&[0, 5, 0, 0, 0, 0, 0, 7, 0, 0], &mut packed);
        assert_eq!(packed, [10, 0b1000_0010, 5, 7, 0]);
    }

    proptest! {
        #[test]
        fn packing_gives_back_any_bytes(
            bytes in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0x7f, 0x80, 0xff, 42]), 0..400)
        ) {
            prop_assert_eq!(round_trip(&bytes), bytes);
        }

        #[test]
        fn both_ways_of_moving_bytes_agree(word: u64, mask: u8) {
            let named: u64 = (0..8).filter(|i| mask >> i & 1 == 1).map(|i| 0xffu64 << (8 * i)).sum();
            let kept = scalar::compress(word, mask);
            prop_assert_eq!(scalar::expand(kept, mask), word & named);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("bmi2") {
                use std::arch::x86_64::{_pdep_u64, _pext_u64};
                // SAFETY: the CPU has BMI2, checked just above.
                let (pext, pdep) = unsafe { (_pext_u64(word, named), _pdep_u64(word, named)) };
                prop_assert_eq!(pext, kept);
                prop_assert_eq!(pdep, scalar::expand(word, mask));
            }
        }
    }
}
