//! The menu's nodes: a centred column of a title, a message, the items (the
//! chosen one highlighted; hover chooses, a click selects) and a hint. Rebuilt
//! when the screen or what it lists changes. While hosting with a code, the
//! code is shown large above the game.

use bevy::prelude::*;
use tickline::bevy::LanGames;

use crate::app::hud::font;
use crate::app::render::Art;

use super::pages::{Item, page};
use super::{Menu, Screen};

/// The menu's root node.
#[derive(Component)]
pub struct MenuRoot;

/// An item's button, by its index on the screen.
#[derive(Component)]
pub struct MenuItem(pub usize);

/// The banner with the join code while hosting.
#[derive(Component)]
pub struct CodeBanner;

const FOCUSED: Color = Color::srgb(0.25, 0.55, 0.35);
const ITEM: Color = Color::srgba(0.17, 0.19, 0.23, 0.95);

/// Rebuilds the menu's nodes when the screen or the LAN list changed.
pub fn rebuild(
    mut commands: Commands,
    mut menu: ResMut<Menu>,
    lan: Option<Res<LanGames>>,
    art: Res<Art>,
    assets: Res<AssetServer>,
    roots: Query<Entity, With<MenuRoot>>,
) {
    let lan_changed = lan.as_ref().is_some_and(|l| l.changed());
    // The first screen waits for its font.
    if (!menu.rebuild && !lan_changed)
        || ![&art.bold, &art.font]
            .iter()
            .all(|f| assets.is_loaded_with_dependencies(*f))
    {
        return;
    }
    menu.rebuild = false;
    if menu.built != Some(menu.screen) {
        menu.built = Some(menu.screen);
        println!("menu: {}", menu.screen.name());
    }
    for root in &roots {
        commands.entity(root).despawn();
    }
    if menu.screen == Screen::Playing {
        return;
    }
    let (title, items) = page(&menu, lan.as_deref());
    menu.focus = menu.focus.min(items.len().saturating_sub(1));
    menu.items = items.clone();
    let focus = menu.focus;
    let message = menu.message.clone();
    commands
        .spawn((
            MenuRoot,
            Node {
                width: percent(100.0),
                height: percent(100.0),
                flex_direction: FlexDirection::Column,
                align_items: AlignItems::Center,
                justify_content: JustifyContent::Center,
                row_gap: px(10.0),
                ..default()
            },
            BackgroundColor(Color::srgb_u8(16, 18, 24)),
        ))
        .with_children(|root| {
            root.spawn((
                Text::new(title),
                font(&art, 40.0, true),
                TextColor(Color::WHITE),
            ));
            if let Some(message) = message {
                root.spawn((
                    Text::new(message),
                    font(&art, 17.0, false),
                    TextColor(Color::srgb_u8(250, 200, 120)),
                ));
            }
            for (i, Item { label, .. }) in items.iter().enumerate() {
                root.spawn((
                    MenuItem(i),
                    Button,
                    Node {
                        width: px(620.0),
                        padding: UiRect::axes(px(18.0), px(10.0)),
                        ..default()
                    },
                    BackgroundColor(if i == focus { FOCUSED } else { ITEM }),
                ))
                .with_children(|b| {
                    b.spawn((
                        Text::new(label.clone()),
                        font(&art, 20.0, false),
                        TextColor(Color::srgb_u8(230, 235, 240)),
                    ));
                });
            }
            root.spawn((
                Text::new("↑ ↓ choose · Enter select · type into a field · Esc back"),
                font(&art, 15.0, false),
                TextColor(Color::srgb_u8(150, 155, 165)),
            ));
        });
}

/// Shows the chosen item without a rebuild.
pub fn highlight(menu: Res<Menu>, mut buttons: Query<(&MenuItem, &mut BackgroundColor)>) {
    if !menu.is_changed() {
        return;
    }
    for (item, mut color) in &mut buttons {
        color.0 = if item.0 == menu.focus { FOCUSED } else { ITEM };
    }
}

/// The join code, large, while hosting a game that needs one.
pub fn code_banner(
    mut commands: Commands,
    menu: Res<Menu>,
    art: Res<Art>,
    banners: Query<Entity, With<CodeBanner>>,
) {
    if !menu.is_changed() {
        return;
    }
    let wanted = menu.screen == Screen::Playing && menu.hosting.is_some();
    if !wanted {
        for b in &banners {
            commands.entity(b).despawn();
        }
        return;
    }
    if !banners.is_empty() {
        return;
    }
    let Some(hosting) = &menu.hosting else {
        return;
    };
    commands.spawn((
        CodeBanner,
        Text::new(hosting.clone()),
        font(&art, 34.0, true),
        TextColor(Color::srgb_u8(250, 230, 90)),
        Node {
            position_type: PositionType::Absolute,
            top: px(12.0),
            left: px(16.0),
            ..default()
        },
    ));
}
