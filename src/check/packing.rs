//! The states a search still has to expand, kept small: a state's encoding
//! ([`crate::cpython::state::State::encode`]) without its zero bytes, since most fields of
//! most states are zero. An encoding of 78 bytes (five threads racing) packs to about 35.
//!
//! The packed form is the length, then a mask per group of eight bytes (bit i set when byte
//! i of the group is not zero), then the bytes that are not zero, in order. A search packs
//! every new state and unpacks every state it expands, so both work 64 bytes at a time
//! where the CPU can (AVX-512's byte compress and expand, one instruction each), else eight
//! at a time (BMI2's `pext` and `pdep`), else a step per byte; the three give the same bytes.
//! Masks apart from the bytes let a chunk's eight masks be read and written as one word.

/// Appends `bytes` to `out`, packed.
pub fn pack(bytes: &[u8], out: &mut Vec<u8>) {
    let n = bytes.len();
    let start = out.len();
    // Room for the length, the masks, every byte, and a whole chunk written past the last.
    out.resize(start + 5 + n.div_ceil(8) + n + 64, 0);
    let room = &mut out[start..];
    let at = write_length(n, room);
    let (masks, data) = room[at..].split_at_mut(n.div_ceil(8));
    let kept = Way::best().compress(bytes, masks, data);
    out.truncate(start + at + n.div_ceil(8) + kept);
}

/// The bytes [`pack`] packed, unpacked in `out` (whose bytes are overwritten, past the
/// end too: it is kept a whole number of 64-byte chunks long, so that unpacking states one
/// after the other clears nothing).
pub fn unpack<'a>(packed: &[u8], out: &'a mut Vec<u8>) -> &'a [u8] {
    let (n, at) = read_length(packed);
    let (masks, data) = packed[at..].split_at(n.div_ceil(8));
    out.resize(n.next_multiple_of(64), 0);
    Way::best().expand(masks, data, out);
    &out[..n]
}

/// Writes a length at the start of `room` as one byte below 255, else 255 and four bytes;
/// returns the bytes written.
fn write_length(n: usize, room: &mut [u8]) -> usize {
    match u8::try_from(n) {
        Ok(b) if b < 255 => {
            room[0] = b;
            1
        }
        _ => {
            room[0] = 255;
            room[1..5].copy_from_slice(&(n as u32).to_le_bytes());
            5
        }
    }
}

/// A length [`write_length`] wrote, and where what follows it starts.
fn read_length(packed: &[u8]) -> (usize, usize) {
    match packed[0] {
        255 => (u32::from_le_bytes(packed[1..5].try_into().expect("four bytes")) as usize, 5),
        b => (b as usize, 1),
    }
}

/// A way of moving bytes: the scalar one everywhere, the others where the CPU has them.
/// Only [`Way::here`] makes one, so a way in hand is one this CPU has.
#[derive(Clone, Copy, Debug)]
enum Way {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Bmi2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Way {
    /// The ways this CPU has: the scalar one (the reference) first, the fastest last.
    fn here() -> Vec<Way> {
        #[allow(unused_mut)] // only x86-64 has other ways
        let mut ways = vec![Way::Scalar];
        #[cfg(target_arch = "x86_64")]
        ways.extend(
            [(Way::Bmi2, bmi2::available()), (Way::Avx512, avx512::available())]
                .iter()
                .filter_map(|&(way, available)| available.then_some(way)),
        );
        ways
    }

    /// The fastest way this CPU has, found once.
    fn best() -> Way {
        static BEST: std::sync::OnceLock<Way> = std::sync::OnceLock::new();
        *BEST.get_or_init(|| *Way::here().last().expect("the scalar way"))
    }

    /// Sets the masks of `bytes` and writes their non-zero bytes to `data` (with 64 bytes of
    /// room past them); returns how many.
    fn compress(self, bytes: &[u8], masks: &mut [u8], data: &mut [u8]) -> usize {
        match self {
            Way::Scalar => scalar::compress(bytes, masks, data),
            // SAFETY: only `Way::here` makes this way, where the CPU has BMI2 and POPCNT.
            #[cfg(target_arch = "x86_64")]
            Way::Bmi2 => unsafe { bmi2::compress(bytes, masks, data) },
            // SAFETY: only `Way::here` makes this way, where the CPU has the AVX-512 features.
            #[cfg(target_arch = "x86_64")]
            Way::Avx512 => unsafe { avx512::compress(bytes, masks, data) },
        }
    }

    /// Puts the bytes of `data` where `masks` says in `out` (a whole number of 64-byte chunks
    /// long), zeros elsewhere.
    fn expand(self, masks: &[u8], data: &[u8], out: &mut [u8]) {
        match self {
            Way::Scalar => scalar::expand(masks, data, out),
            // SAFETY: only `Way::here` makes this way, where the CPU has BMI2 and POPCNT.
            #[cfg(target_arch = "x86_64")]
            Way::Bmi2 => unsafe { bmi2::expand(masks, data, out) },
            // SAFETY: only `Way::here` makes this way, where the CPU has the AVX-512 features.
            #[cfg(target_arch = "x86_64")]
            Way::Avx512 => unsafe { avx512::expand(masks, data, out) },
        }
    }
}

/// Up to eight bytes as a little-endian word, zeros past the end.
#[cfg(target_arch = "x86_64")]
fn read_word(bytes: &[u8]) -> u64 {
    match <[u8; 8]>::try_from(bytes.get(..8).unwrap_or(bytes)) {
        Ok(eight) => u64::from_le_bytes(eight),
        Err(_) => {
            let mut word = [0u8; 8];
            word[..bytes.len()].copy_from_slice(bytes);
            u64::from_le_bytes(word)
        }
    }
}

/// A byte at a time: the reference the vector code must agree with.
mod scalar {
    /// Sets the masks of `bytes` and writes their non-zero bytes to `data`; returns how many.
    pub fn compress(bytes: &[u8], masks: &mut [u8], data: &mut [u8]) -> usize {
        let mut kept = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if b != 0 {
                masks[i / 8] |= 1 << (i % 8);
                data[kept] = b;
                kept += 1;
            }
        }
        kept
    }

    /// Puts the bytes of `data` where `masks` says, in `out` (at least as long), and zeros
    /// elsewhere.
    pub fn expand(masks: &[u8], data: &[u8], out: &mut [u8]) {
        out.fill(0);
        let mut next = data.iter();
        for (i, &mask) in masks.iter().enumerate() {
            for bit in 0..8 {
                if mask >> bit & 1 == 1 {
                    out[8 * i + bit] = *next.next().expect("a byte for each bit");
                }
            }
        }
    }
}

/// Eight bytes at a time: `pext` gathers a word's non-zero bytes, `pdep` scatters them back.
#[cfg(target_arch = "x86_64")]
mod bmi2 {
    use super::read_word;
    use std::arch::x86_64::{_pdep_u64, _pext_u64};

    pub fn available() -> bool {
        std::is_x86_feature_detected!("bmi2") && std::is_x86_feature_detected!("popcnt")
    }

    /// Bit i set when byte i of `word` is not zero.
    fn nonzero_bytes(word: u64) -> u8 {
        const LOW7: u64 = 0x7f7f_7f7f_7f7f_7f7f;
        // The top bit of each byte: set when the byte is not zero (its low seven bits carry
        // into it, or it was set).
        let high = (((word & LOW7) + LOW7) | word) & !LOW7;
        // Gathers the eight top bits into the top byte (no two partial products meet).
        ((high >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
    }

    /// The mask's bits spread to whole bytes.
    #[target_feature(enable = "bmi2")]
    fn byte_mask(mask: u8) -> u64 {
        _pdep_u64(mask as u64, 0x0101_0101_0101_0101) * 0xff
    }

    /// [`super::scalar::compress`]; `data` has 8 bytes of room past the bytes kept.
    #[target_feature(enable = "bmi2,popcnt")]
    pub fn compress(bytes: &[u8], masks: &mut [u8], data: &mut [u8]) -> usize {
        let mut kept = 0;
        for (chunk, mask_out) in bytes.chunks(8).zip(masks.iter_mut()) {
            let word = read_word(chunk);
            let mask = nonzero_bytes(word);
            *mask_out = mask;
            data[kept..kept + 8].copy_from_slice(&_pext_u64(word, byte_mask(mask)).to_le_bytes());
            kept += mask.count_ones() as usize;
        }
        kept
    }

    /// [`super::scalar::expand`], for the words the masks cover.
    #[target_feature(enable = "bmi2,popcnt")]
    pub fn expand(masks: &[u8], data: &[u8], out: &mut [u8]) {
        let mut read = 0;
        for (&mask, word) in masks.iter().zip(out.chunks_exact_mut(8)) {
            let kept = read_word(&data[read..]);
            read += mask.count_ones() as usize;
            word.copy_from_slice(&_pdep_u64(kept, byte_mask(mask)).to_le_bytes());
        }
    }
}

/// 64 bytes at a time: `vptestmb` finds the non-zero bytes, `vpcompressb` gathers them and
/// `vpexpandb` scatters them back.
#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    pub fn available() -> bool {
        std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512bw")
            && std::is_x86_feature_detected!("avx512vbmi2")
    }

    /// The low `n` bits set (`n` at most 64).
    fn low_bits(n: usize) -> u64 {
        if n >= 64 {
            u64::MAX
        } else {
            (1 << n) - 1
        }
    }

    /// [`super::scalar::compress`]; `data` has 64 bytes of room past the bytes kept.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
    pub fn compress(bytes: &[u8], masks: &mut [u8], data: &mut [u8]) -> usize {
        let mut kept = 0;
        for (chunk, group) in bytes.chunks(64).zip(masks.chunks_mut(8)) {
            let live = low_bits(chunk.len());
            // SAFETY: the load reads only the chunk's bytes (the others are masked off, and a
            // masked-off byte never faults); the store writes 64 bytes at `kept`, in `data`'s
            // room (at most `kept` bytes kept so far, 64 of room past them).
            unsafe {
                let v = _mm512_maskz_loadu_epi8(live, chunk.as_ptr() as *const i8);
                let nonzero = _mm512_test_epi8_mask(v, v);
                // A whole group of eight masks is one word (a copy of known length).
                match <&mut [u8; 8]>::try_from(&mut *group) {
                    Ok(whole) => *whole = nonzero.to_le_bytes(),
                    Err(_) => group.copy_from_slice(&nonzero.to_le_bytes()[..group.len()]),
                }
                assert!(kept + 64 <= data.len(), "room for a whole chunk");
                _mm512_storeu_si512(data.as_mut_ptr().add(kept) as *mut _, _mm512_maskz_compress_epi8(nonzero, v));
                kept += nonzero.count_ones() as usize;
            }
        }
        kept
    }

    /// [`super::scalar::expand`]; `out` is a whole number of chunks long.
    #[target_feature(enable = "avx512f,avx512bw,avx512vbmi2,popcnt")]
    pub fn expand(masks: &[u8], data: &[u8], out: &mut [u8]) {
        let mut read = 0;
        for (group, chunk) in masks.chunks(8).zip(out.chunks_exact_mut(64)) {
            let nonzero = super::read_word(group);
            let count = nonzero.count_ones() as usize;
            assert!(read + count <= data.len(), "a byte for each bit");
            // SAFETY: the load reads only the `count` bytes at `read`, in `data` (the others
            // are masked off and never fault); the store writes the chunk, 64 bytes.
            unsafe {
                let v = _mm512_maskz_loadu_epi8(low_bits(count), data.as_ptr().add(read) as *const i8);
                _mm512_storeu_si512(chunk.as_mut_ptr() as *mut _, _mm512_maskz_expand_epi8(nonzero, v));
            }
            read += count;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn round_trip(bytes: &[u8]) -> Vec<u8> {
        // Packed after other bytes, as in a part of a level; unpacked where another state's
        // bytes were.
        let (mut packed, mut back) = (vec![9u8], vec![0xffu8; 512]);
        pack(bytes, &mut packed);
        unpack(&packed[1..], &mut back).to_vec()
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
        assert_eq!(packed, [10, 0b1000_0010, 0, 5, 7]);
    }

    /// Each way of packing this CPU has, on `bytes`: the packed bytes and what it unpacks
    /// them to, the scalar way first.
    fn every_way(bytes: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        let n = bytes.len();
        Way::here()
            .into_iter()
            .map(|way| {
                let (mut masks, mut data) = (vec![0u8; n.div_ceil(8)], vec![0u8; n + 64]);
                let kept = way.compress(bytes, &mut masks, &mut data);
                data.truncate(kept);
                // Not zero: unpacking overwrites every byte it returns.
                let mut out = vec![0xa5u8; n.next_multiple_of(64)];
                way.expand(&masks, &data, &mut out);
                out.truncate(n);
                masks.extend_from_slice(&data);
                (masks, out)
            })
            .collect()
    }

    proptest! {
        #[test]
        fn packing_gives_back_any_bytes(
            bytes in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0x7f, 0x80, 0xff, 42]), 0..400)
        ) {
            prop_assert_eq!(round_trip(&bytes), bytes);
        }

        #[test]
        fn every_way_of_packing_agrees(
            bytes in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0x80, 0xff]), 0..300)
        ) {
            let ways = every_way(&bytes);
            for way in &ways {
                prop_assert_eq!(way, &ways[0]);
                prop_assert_eq!(&way.1, &bytes);
            }
        }
    }
}
