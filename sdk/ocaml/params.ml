(* Keel.Params — typed, strict access to a factory's JSON params.

     let steps = Keel.Params.int p "steps" ~default:500 ~min:2 in
     let option = Keel.Params.obj p "option" in
     let strike = Keel.Params.float option "strike" ~min:0. in

   Every failure raises Keel.Error.Error (Invalid_argument, message) where
   the message starts with the param's JSON pointer ("/option/strike:
   expected a finite number, got \"abc\""). After the factory's create
   function returns, the SDK calls [reject_unknown], so a key that no
   accessor asked for ("/stpes: unknown param; did you mean 'steps'?") is an
   error too — for nested objects obtained with [obj] as well. *)

type t = {
  pointer : string;  (* "" for the params object itself, "/option" for a nested one *)
  members : (string * Json.t) list;
  mutable used : string list;  (* keys asked for, in order *)
  mutable children : t list;
}

let escape_token key =
  let b = Buffer.create (String.length key) in
  String.iter
    (function '~' -> Buffer.add_string b "~0" | '/' -> Buffer.add_string b "~1" | c -> Buffer.add_char b c)
    key;
  Buffer.contents b

(* The JSON pointer of [key] in [p]: "/option/strike". *)
let pointer p key = p.pointer ^ "/" ^ escape_token key

let fail p key message = Error.invalid_argument (pointer p key ^ ": " ^ message)

let of_json_string text =
  let text = if String.trim text = "" then "{}" else text in
  match Json.parse text with
  | Error e -> Error.invalid_argument ("params are not valid JSON: " ^ e)
  | Ok (Json.Object members) -> { pointer = ""; members; used = []; children = [] }
  | Ok other -> Error.invalid_argument ("params must be a JSON object, got " ^ Json.to_string other)

let mark p key = if not (List.mem key p.used) then p.used <- p.used @ [ key ]

(* The raw value, or None when absent or null. *)
let find p key =
  mark p key;
  match List.assoc_opt key p.members with None | Some Json.Null -> None | Some v -> Some v

let has p key = List.mem_assoc key p.members

let value p key = find p key

let expected p key what got = fail p key (Printf.sprintf "expected %s, got %s" what (Json.to_string got))

let missing p key = fail p key "required param missing"

let required p key default = match default with Some d -> d | None -> missing p key

let range_text lo hi fmt =
  match (lo, hi) with
  | None, None -> ""
  | Some lo, None -> Printf.sprintf " >= %s" (fmt lo)
  | None, Some hi -> Printf.sprintf " <= %s" (fmt hi)
  | Some lo, Some hi -> Printf.sprintf " in [%s, %s]" (fmt lo) (fmt hi)

let float ?default ?min ?max p key =
  match find p key with
  | None -> required p key default
  | Some (Json.Number f as got) ->
      let ok = Float.is_finite f
               && (match min with Some lo -> f >= lo | None -> true)
               && (match max with Some hi -> f <= hi | None -> true) in
      if ok then f else expected p key ("a finite number" ^ range_text min max Json.number_to_string) got
  | Some got -> expected p key ("a finite number" ^ range_text min max Json.number_to_string) got

let int ?default ?min ?max p key =
  let what = "an integer" ^ range_text min max string_of_int in
  match find p key with
  | None -> required p key default
  | Some (Json.Number f as got) ->
      if not (Float.is_integer f && Float.abs f < 4e18) then expected p key what got
      else
        let i = int_of_float f in
        let ok = (match min with Some lo -> i >= lo | None -> true)
                 && (match max with Some hi -> i <= hi | None -> true) in
        if ok then i else expected p key what got
  | Some got -> expected p key what got

let string ?default ?one_of p key =
  let what =
    match one_of with
    | None -> "a string"
    | Some choices -> "one of " ^ String.concat ", " (List.map Json.escape_string choices)
  in
  match find p key with
  | None -> required p key default
  | Some (Json.String s as got) -> (
      match one_of with Some choices when not (List.mem s choices) -> expected p key what got | _ -> s)
  | Some got -> expected p key what got

let bool ?default p key =
  match find p key with
  | None -> required p key default
  | Some (Json.Bool b) -> b
  | Some got -> expected p key "true or false" got

(* A nested object, checked as strictly as the params themselves. An absent
   key is an error unless [optional] (then an empty object). *)
let obj ?(optional = false) p key =
  let members =
    match find p key with
    | Some (Json.Object members) -> members
    | None -> if optional then [] else missing p key
    | Some got -> expected p key "an object" got
  in
  let child = { pointer = pointer p key; members; used = []; children = [] } in
  p.children <- child :: p.children;
  child

let edit_distance a b =
  let la = String.length a and lb = String.length b in
  let row = Array.init (lb + 1) (fun j -> j) in
  for i = 1 to la do
    let diagonal = ref row.(0) in
    row.(0) <- i;
    for j = 1 to lb do
      let above = row.(j) in
      let cost = if a.[i - 1] = b.[j - 1] then 0 else 1 in
      row.(j) <- min (min (row.(j) + 1) (row.(j - 1) + 1)) (!diagonal + cost);
      diagonal := above
    done
  done;
  row.(lb)

let nearest p key =
  List.fold_left
    (fun (best, best_d) candidate ->
      let d = edit_distance key candidate in
      if d < best_d then (Some candidate, d) else (best, best_d))
    (None, 3) p.used
  |> fst

(* Raises for the first key (in document order) that no accessor asked for. *)
let rec reject_unknown p =
  List.iter
    (fun (key, _) ->
      if not (List.mem key p.used) then begin
        let hint = match nearest p key with Some near -> Printf.sprintf "; did you mean '%s'?" near | None -> "" in
        let known = if p.used = [] then "" else " (known: " ^ String.concat " " p.used ^ ")" in
        Error.invalid_argument (pointer p key ^ ": unknown param" ^ hint ^ known)
      end)
    p.members;
  List.iter reject_unknown (List.rev p.children)
