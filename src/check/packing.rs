//! The states a search still has to expand, kept small: a state's encoding
//! ([`crate::cpython::state::State::encode`]) without its zero bytes, since most fields of
//! most states are zero. An encoding of 78 bytes (five threads racing) packs to about 35.
//!
//! The packed form is the length, then a mask per group of eight bytes (bit i set when byte
//! i of the group is not zero), then the bytes that are not zero, in order. A search packs
//! every new state and unpacks every state it expands, so both work 64 bytes at a time
//! where the CPU can (AVX-512's byte compress and expand, one instruction each), elsewhere
//! a step per byte; the two give the same bytes. Masks apart from the bytes let a chunk's
//! eight masks be read and written as one word.

/// Appends `bytes` to `out`, packed.
pub fn pack(bytes: &[u8], out: &mut Vec<u8>) {
    let n = bytes.len();
    let start = out.len();
    // Room for the length, the masks, every byte, and a whole chunk written past the last.
    out.resize(start + 5 + n.div_ceil(8) + n + 64, 0);
    let room = &mut out[start..];
    let at = write_length(n, room);
    let (masks, data) = room[at..].split_at_mut(n.div_ceil(8));
    #[cfg(target_arch = "x86_64")]
    let kept = if avx512::available() {
        // SAFETY: the CPU has the AVX-512 features, checked just above.
        unsafe { avx512::compress(bytes, masks, data) }
    } else {
        scalar::compress(bytes, masks, data)
    };
    #[cfg(not(target_arch = "x86_64"))]
    let kept = scalar::compress(bytes, masks, data);
    out.truncate(start + at + n.div_ceil(8) + kept);
}

/// The bytes [`pack`] packed, unpacked in `out` (whose bytes are overwritten, past the
/// end too: it is kept a whole number of 64-byte chunks long, so that unpacking states one
/// after the other clears nothing).
pub fn unpack<'a>(packed: &[u8], out: &'a mut Vec<u8>) -> &'a [u8] {
    let (n, at) = read_length(packed);
    let (masks, data) = packed[at..].split_at(n.div_ceil(8));
    out.resize(n.next_multiple_of(64), 0);
    #[cfg(target_arch = "x86_64")]
    if avx512::available() {
        // SAFETY: the CPU has the AVX-512 features, checked just above.
        unsafe { avx512::expand(masks, data, out) };
    } else {
        scalar::expand(masks, data, out);
    }
    #[cfg(not(target_arch = "x86_64"))]
    scalar::expand(masks, data, out);
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
            let nonzero = match <[u8; 8]>::try_from(group) {
                Ok(whole) => u64::from_le_bytes(whole),
                Err(_) => {
                    let mut word = [0u8; 8];
                    word[..group.len()].copy_from_slice(group);
                    u64::from_le_bytes(word)
                }
            };
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

    /// Both ways of packing, on `bytes`: the packed bytes and what each unpacks them to.
    #[cfg(target_arch = "x86_64")]
    fn both_ways(bytes: &[u8]) -> [(Vec<u8>, Vec<u8>); 2] {
        let n = bytes.len();
        [false, true].map(|vector| {
            let (mut masks, mut data) = (vec![0u8; n.div_ceil(8)], vec![0u8; n + 64]);
            // SAFETY: the vector way only where the CPU has it.
            let kept = match vector {
                true => unsafe { avx512::compress(bytes, &mut masks, &mut data) },
                false => scalar::compress(bytes, &mut masks, &mut data),
            };
            data.truncate(kept);
            // Not zero: unpacking overwrites every byte.
            let mut out = vec![0xa5u8; n.next_multiple_of(64)];
            match vector {
                true => unsafe { avx512::expand(&masks, &data, &mut out) },
                false => scalar::expand(&masks, &data, &mut out),
            }
            out.truncate(n);
            masks.extend_from_slice(&data);
            (masks, out)
        })
    }

    proptest! {
        #[test]
        fn packing_gives_back_any_bytes(
            bytes in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0x7f, 0x80, 0xff, 42]), 0..400)
        ) {
            prop_assert_eq!(round_trip(&bytes), bytes);
        }

        #[test]
        #[cfg(target_arch = "x86_64")]
        fn both_ways_of_packing_agree(
            bytes in prop::collection::vec(prop::sample::select(vec![0u8, 1, 0x80, 0xff]), 0..300)
        ) {
            if avx512::available() {
                let [scalar, vector] = both_ways(&bytes);
                prop_assert_eq!(&scalar, &vector);
                prop_assert_eq!(&scalar.1, &bytes);
            }
        }
    }
}
