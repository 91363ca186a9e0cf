(* Keel.Json — a small, strict JSON reader (RFC 8259) for params.

   Numbers are floats (doubles, like JavaScript); objects keep their keys in
   document order. No opam package is needed. *)

type t =
  | Null
  | Bool of bool
  | Number of float
  | String of string
  | Array of t list
  | Object of (string * t) list

exception Syntax of int * string

let parse (text : string) : (t, string) result =
  let n = String.length text in
  let pos = ref 0 in
  let fail message = raise (Syntax (!pos, message)) in
  let peek () = if !pos < n then text.[!pos] else '\000' in
  let rec skip_ws () =
    if !pos < n then
      match text.[!pos] with
      | ' ' | '\t' | '\n' | '\r' -> incr pos; skip_ws ()
      | _ -> ()
  in
  let expect c =
    if peek () <> c || !pos >= n then fail (Printf.sprintf "expected '%c'" c);
    incr pos
  in
  let literal word value =
    let len = String.length word in
    if !pos + len <= n && String.sub text !pos len = word then (pos := !pos + len; value)
    else fail "expected a JSON value"
  in
  let buffer = Buffer.create 16 in
  let add_utf8 code =
    let add c = Buffer.add_char buffer (Char.chr c) in
    if code < 0x80 then add code
    else if code < 0x800 then (add (0xC0 lor (code lsr 6)); add (0x80 lor (code land 0x3F)))
    else if code < 0x10000 then (
      add (0xE0 lor (code lsr 12));
      add (0x80 lor ((code lsr 6) land 0x3F));
      add (0x80 lor (code land 0x3F)))
    else (
      add (0xF0 lor (code lsr 18));
      add (0x80 lor ((code lsr 12) land 0x3F));
      add (0x80 lor ((code lsr 6) land 0x3F));
      add (0x80 lor (code land 0x3F)))
  in
  let hex4 () =
    if !pos + 4 > n then fail "truncated \\u escape";
    let v = ref 0 in
    for i = 0 to 3 do
      let c = text.[!pos + i] in
      let d =
        match c with
        | '0' .. '9' -> Char.code c - 48
        | 'a' .. 'f' -> Char.code c - 87
        | 'A' .. 'F' -> Char.code c - 55
        | _ -> fail "bad \\u escape"
      in
      v := (!v * 16) + d
    done;
    pos := !pos + 4;
    !v
  in
  let parse_string () =
    expect '"';
    Buffer.clear buffer;
    let rec loop () =
      if !pos >= n then fail "unterminated string";
      let c = text.[!pos] in
      incr pos;
      match c with
      | '"' -> ()
      | '\\' ->
          if !pos >= n then fail "unterminated string";
          let e = text.[!pos] in
          incr pos;
          (match e with
          | '"' -> Buffer.add_char buffer '"'
          | '\\' -> Buffer.add_char buffer '\\'
          | '/' -> Buffer.add_char buffer '/'
          | 'b' -> Buffer.add_char buffer '\b'
          | 'f' -> Buffer.add_char buffer '\012'
          | 'n' -> Buffer.add_char buffer '\n'
          | 'r' -> Buffer.add_char buffer '\r'
          | 't' -> Buffer.add_char buffer '\t'
          | 'u' ->
              let code = hex4 () in
              if code >= 0xD800 && code <= 0xDBFF then (
                if !pos + 2 <= n && text.[!pos] = '\\' && text.[!pos + 1] = 'u' then (
                  pos := !pos + 2;
                  let low = hex4 () in
                  if low < 0xDC00 || low > 0xDFFF then fail "bad surrogate pair";
                  add_utf8 (0x10000 + ((code - 0xD800) lsl 10) + (low - 0xDC00)))
                else fail "lone surrogate in \\u escape")
              else add_utf8 code
          | _ -> fail "bad escape in string");
          loop ()
      | c when Char.code c < 0x20 -> fail "control character in string"
      | c -> Buffer.add_char buffer c; loop ()
    in
    loop ();
    Buffer.contents buffer
  in
  let parse_number () =
    let start = !pos in
    let digits () =
      let s = !pos in
      while !pos < n && text.[!pos] >= '0' && text.[!pos] <= '9' do incr pos done;
      if !pos = s then fail "expected a digit"
    in
    if peek () = '-' then incr pos;
    if peek () = '0' then incr pos else digits ();
    if peek () = '.' then (incr pos; digits ());
    if peek () = 'e' || peek () = 'E' then (
      incr pos;
      if peek () = '+' || peek () = '-' then incr pos;
      digits ());
    Number (float_of_string (String.sub text start (!pos - start)))
  in
  let rec value depth =
    if depth > 512 then fail "nested too deeply";
    skip_ws ();
    match peek () with
    | '{' ->
        incr pos;
        skip_ws ();
        if peek () = '}' then (incr pos; Object [])
        else
          let rec members acc =
            skip_ws ();
            let key = parse_string () in
            skip_ws ();
            expect ':';
            let v = value (depth + 1) in
            skip_ws ();
            match peek () with
            | ',' -> incr pos; members ((key, v) :: acc)
            | '}' -> incr pos; Object (List.rev ((key, v) :: acc))
            | _ -> fail "expected ',' or '}'"
          in
          members []
    | '[' ->
        incr pos;
        skip_ws ();
        if peek () = ']' then (incr pos; Array [])
        else
          let rec items acc =
            let v = value (depth + 1) in
            skip_ws ();
            match peek () with
            | ',' -> incr pos; items (v :: acc)
            | ']' -> incr pos; Array (List.rev (v :: acc))
            | _ -> fail "expected ',' or ']'"
          in
          items []
    | '"' -> String (parse_string ())
    | 't' -> literal "true" (Bool true)
    | 'f' -> literal "false" (Bool false)
    | 'n' -> literal "null" Null
    | '-' | '0' .. '9' -> parse_number ()
    | _ -> if !pos >= n then fail "unexpected end of input" else fail "expected a JSON value"
  in
  match
    let v = value 0 in
    skip_ws ();
    if !pos < n then fail "trailing characters after the JSON value";
    v
  with
  | v -> Ok v
  | exception Syntax (at, message) -> Error (Printf.sprintf "at byte %d: %s" at message)

let escape_string s =
  let b = Buffer.create (String.length s + 2) in
  Buffer.add_char b '"';
  String.iter
    (fun c ->
      match c with
      | '"' -> Buffer.add_string b "\\\""
      | '\\' -> Buffer.add_string b "\\\\"
      | '\n' -> Buffer.add_string b "\\n"
      | '\r' -> Buffer.add_string b "\\r"
      | '\t' -> Buffer.add_string b "\\t"
      | c when Char.code c < 0x20 -> Buffer.add_string b (Printf.sprintf "\\u%04x" (Char.code c))
      | c -> Buffer.add_char b c)
    s;
  Buffer.add_char b '"';
  Buffer.contents b

let number_to_string f =
  if Float.is_integer f && Float.abs f < 1e15 then Printf.sprintf "%.0f" f
  else Printf.sprintf "%.17g" f

(* Compact JSON text, for messages ("got \"abc\""). *)
let rec to_string = function
  | Null -> "null"
  | Bool b -> string_of_bool b
  | Number f -> number_to_string f
  | String s -> escape_string s
  | Array items -> "[" ^ String.concat "," (List.map to_string items) ^ "]"
  | Object members ->
      "{"
      ^ String.concat "," (List.map (fun (k, v) -> escape_string k ^ ":" ^ to_string v) members)
      ^ "}"
