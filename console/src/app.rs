//! The message loop: every user action, network answer, socket event and
//! timer becomes a [`Msg`] posted through a [`Sender`]. Messages are handled
//! one at a time, on a microtask after the event that sent them, so the
//! controller is never re-entered from a DOM or socket callback and a
//! callback never runs while the controller is borrowed.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use crate::controller::Controller;
use crate::msg::{Msg, Sender, SessionMsg};

struct App {
    controller: RefCell<Option<Controller>>,
    queue: RefCell<VecDeque<Msg>>,
    scheduled: Cell<bool>,
}

/// Queues `msg` and makes sure the queue is drained soon.
fn post(app: &Rc<App>, msg: Msg) {
    app.queue.borrow_mut().push_back(msg);
    if !app.scheduled.replace(true) {
        let app = app.clone();
        wasm_bindgen_futures::spawn_local(async move { drain(&app) });
    }
}

fn drain(app: &App) {
    loop {
        let next = app.queue.borrow_mut().pop_front();
        let Some(msg) = next else { break };
        if let Some(controller) = app.controller.borrow_mut().as_mut() {
            controller.update(msg);
        }
    }
    app.scheduled.set(false);
}

/// Builds the controller and view and sends the first message. The app
/// lives as long as the page (the Sender clones held by listeners keep it).
pub fn run() {
    let app = Rc::new(App {
        controller: RefCell::new(None),
        queue: RefCell::new(VecDeque::new()),
        scheduled: Cell::new(false),
    });
    let tx = {
        let app = app.clone();
        Sender::new(move |msg| post(&app, msg))
    };
    app.controller.replace(Some(Controller::new(tx.clone())));
    tx.send(SessionMsg::Start);
}
