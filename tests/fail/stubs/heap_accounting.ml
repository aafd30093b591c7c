(* Shrinks a large block by one word in place, as a runtime bug that truncated a block without
   telling the heap would, and keeps its frame consistent: both headers one word shorter, the
   canary after the last field copied one word back (it depends on the header's address and
   the allocation site only, so the copy is valid there), the string's padding byte rewritten.
   Every frame check passes; at the end of the next major cycle the census finds the large
   blocks' sizes one word short of the heap's count of large words.

   Unchecked byte accesses (stubs of tests/fail/stubs/wfail.c) reach the words around the
   block. A bytes block is not scanned, so the GC never takes the
   copied canary for a pointer, and nothing below allocates, so no collection sees the frame
   half rewritten. Hardened major frame: [outer header][canary][header][field 0] ...
   [field n-1][canary], so the header is word -1, the outer header word -3, the canary after
   the block word n. *)
external get_byte : bytes -> int -> int = "wfail_get_byte"
external set_byte : bytes -> int -> int -> unit = "wfail_set_byte"

(* Copies word [src] of [b] over word [dst] (word indices, relative to field 0). *)
let copy_word b ~src ~dst =
  for k = 0 to 7 do
    set_byte b (dst * 8 + k) (get_byte b (src * 8 + k))
  done

(* Subtracts one from the wosize of the header at word [i] of [b] (bits 10 and up of a
   little-endian word: 4 from its byte 1, with the borrow carried up). *)
let shrink_header b i =
  let rec sub k borrow =
    if borrow > 0 then begin
      let v = get_byte b k - borrow in
      if v < 0 then begin
        set_byte b k (v + 256);
        sub (k + 1) 1
      end else set_byte b k v
    end
  in
  sub (i * 8 + 1) 4

let () =
  let n = 2000 in
  (* wosize n: far above the largest pool size class, so a large block, allocated in the
     major heap directly *)
  let b = Bytes.make (n * 8 - 1) 'x' in
  copy_word b ~src:n ~dst:(n - 1);
  shrink_header b (-1);
  shrink_header b (-3);
  (* the new last word ends with the padding byte: 7 means its 7 other bytes are padding *)
  set_byte b ((n - 1) * 8 - 1) 7;
  Gc.full_major ();
  print_endline "not reached";
  ignore (Sys.opaque_identity b)
