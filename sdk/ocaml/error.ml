(* Keel.Error — the status codes of keel/status.h and the exception that
   plugin code raises to fail a call with one of them.

   Raise [Error (code, message)] (or use [fail]) for an expected failure:
   the SDK returns that status with the message. Any other exception that
   escapes plugin code becomes KEEL_ERR_PLUGIN_FAULT with the exception's
   text and where it was raised, and the host poisons the plugin. *)

type code =
  | Invalid_argument
  | Unsupported
  | Stale_handle
  | Wrong_kind
  | Not_found
  | No_solution
  | Not_converged
  | Bad_capsule
  | Rejected
  | Out_of_memory
  | Plugin_fault
  | Poisoned
  | Internal
  | Wrong_thread

type t = { code : code; message : string }

exception Error of code * string

(* keel_status_t values: KEEL_ERR_INVALID_ARGUMENT (1) .. KEEL_ERR_WRONG_THREAD (14). *)
let to_int = function
  | Invalid_argument -> 1
  | Unsupported -> 2
  | Stale_handle -> 3
  | Wrong_kind -> 4
  | Not_found -> 5
  | No_solution -> 6
  | Not_converged -> 7
  | Bad_capsule -> 8
  | Rejected -> 9
  | Out_of_memory -> 10
  | Plugin_fault -> 11
  | Poisoned -> 12
  | Internal -> 13
  | Wrong_thread -> 14

let of_int = function
  | 1 -> Invalid_argument
  | 2 -> Unsupported
  | 3 -> Stale_handle
  | 4 -> Wrong_kind
  | 5 -> Not_found
  | 6 -> No_solution
  | 7 -> Not_converged
  | 8 -> Bad_capsule
  | 9 -> Rejected
  | 10 -> Out_of_memory
  | 11 -> Plugin_fault
  | 12 -> Poisoned
  | 14 -> Wrong_thread
  | _ -> Internal

let name = function
  | Invalid_argument -> "invalid argument"
  | Unsupported -> "unsupported"
  | Stale_handle -> "stale handle"
  | Wrong_kind -> "wrong handle kind"
  | Not_found -> "not found"
  | No_solution -> "no solution"
  | Not_converged -> "not converged"
  | Bad_capsule -> "bad capsule"
  | Rejected -> "rejected"
  | Out_of_memory -> "out of memory"
  | Plugin_fault -> "plugin fault"
  | Poisoned -> "plugin poisoned"
  | Internal -> "internal error"
  | Wrong_thread -> "wrong thread"

let fail code message = raise (Error (code, message))
let failf code fmt = Printf.ksprintf (fail code) fmt
let invalid_argument message = fail Invalid_argument message
let unsupported message = fail Unsupported message

let to_string { code; message } = Printf.sprintf "%s: %s" (name code) message

(* The value of a host call, or raise its error as [Error]. *)
let ok_exn = function Ok v -> v | Error { code; message } -> raise (Error (code, message))

let () =
  Printexc.register_printer (function
    | Error (code, message) -> Some (Printf.sprintf "Keel.Error.Error(%s, %S)" (name code) message)
    | _ -> None)
