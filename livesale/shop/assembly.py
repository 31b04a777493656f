"""The shop's own list of constructors (called by the composition root) and its jobs."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from redis.asyncio import Redis

from livesale.config import Settings
from livesale.payments.choice import STRIPE, announce_gateway, choose_gateway
from livesale.payments.dummy import DummyGateway
from livesale.payments.gateway import PaymentGateway
from livesale.payments.reads import PaymentReads
from livesale.payments.stripe_gateway import StripeGateway
from livesale.shop.announcer import RoomPublisher, StockAnnouncer
from livesale.shop.auction_offers import AuctionOffers
from livesale.shop.auctions import AuctionService
from livesale.shop.background import HoldSweeper, Reconciler, run_every
from livesale.shop.carts import CartService
from livesale.shop.catalogue import ShopCatalogue
from livesale.shop.checkout import CheckoutService
from livesale.shop.fulfilment import FulfilmentService
from livesale.shop.giveaways import GiveawayService
from livesale.shop.orders import OrderService
from livesale.shop.outbid_notices import OutbidNotices, product_title
from livesale.shop.payments import PaymentService
from livesale.shop.pricing import PricingService
from livesale.shop.settlement import Settlement
from livesale.shop.stock import StockService
from livesale.shop.stock_audit import StockAudit
from livesale.storage.activity import ActivityRecorder
from livesale.storage.auction_marks import AuctionMarks
from livesale.storage.auctions import AuctionStore
from livesale.storage.buyer_orders import BuyerOrders
from livesale.storage.carts import CartStore, CheckoutStore
from livesale.storage.chat import ModerationRepository
from livesale.storage.coupons import CouponRepository
from livesale.storage.database import Database
from livesale.storage.dummy_payments import DummyPaymentRepository
from livesale.storage.giveaways import GiveawayEntries, GiveawayRecord
from livesale.storage.leases import Leadership
from livesale.storage.locks import RedisLocks
from livesale.storage.orders import OrderRepository
from livesale.storage.products import ProductRepository
from livesale.storage.rate_limits import RateLimiter
from livesale.storage.room_redis import ChatLimits
from livesale.storage.shipping import ShippingRepository
from livesale.storage.shows import ShowRepository
from livesale.storage.stock import StockStore
from livesale.storage.stock_counters import StockCounters
from livesale.storage.stock_record import StockRecord
from livesale.storage.timeline import TimelineRepository
from livesale.storage.viewers import ViewerRepository
from livesale.tasks import cancel_and_wait


def make_gateway(settings: Settings, db: Database) -> PaymentGateway:
    """The gateway `choose_gateway` picks (ConfigError rather than failing open)."""
    name = choose_gateway(settings)
    announce_gateway(name)
    if name == STRIPE:
        return StripeGateway(settings.payments)
    return DummyGateway(DummyPaymentRepository(db))


@dataclass
class Shop:
    """Every shop service of one process."""

    catalogue: ShopCatalogue
    stock: StockService
    announcer: StockAnnouncer
    carts: CartService
    checkout: CheckoutService
    pricing: PricingService
    orders: OrderService
    fulfilment: FulfilmentService
    settlement: Settlement
    payments: PaymentService
    sweeper: HoldSweeper
    reconciler: Reconciler
    stock_audit: StockAudit
    locks: RedisLocks
    giveaways: GiveawayService
    # The sweeper and the reconciliation run once across every process and node.
    sweeper_lease: Leadership
    reconciler_lease: Leadership
    auctions: AuctionService
    # Closing due auctions and acting on unpaid ones runs once across every process.
    auction_lease: Leadership
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self, settings: Settings) -> None:
        """Start the sweeper and the reconciliation (each runs where its lease is held), and
        the stock check (in every process: each round, the one that takes its lock checks)."""
        shop = settings.shop
        jobs = (
            (
                self.sweeper_lease,
                shop.sweep_interval_seconds,
                self.sweeper.sweep_once,
                "hold sweeper",
            ),
            (
                self.reconciler_lease,
                shop.reconcile_interval_seconds,
                self.reconciler.reconcile_once,
                "reconciliation",
            ),
            (
                self.auction_lease,
                shop.auction_close_interval_seconds,
                self.auctions.tick,
                "auction closer",
            ),
        )
        for lease, interval, job, name in jobs:
            lease.start()
            self._tasks.append(
                asyncio.create_task(run_every(interval, lease.only_when_leading(job), name))
            )
        self._tasks.append(
            asyncio.create_task(
                run_every(
                    shop.stock_check_interval_seconds, self.stock_audit.check_once, "stock check"
                )
            )
        )

    @property
    def jobs_running(self) -> int:
        """How many background jobs this process runs (0 in the media process)."""
        return sum(not task.done() for task in self._tasks)

    async def stop_jobs(self) -> None:
        """Stop the sweeper and the reconciliation, and give up their leases."""
        for task in self._tasks:
            await cancel_and_wait(task)
        await self.sweeper_lease.close()
        await self.reconciler_lease.close()
        await self.auction_lease.close()

    async def close(self) -> None:
        """Stop the jobs and give up their leases, then the stock messages and the gateway."""
        await self.stop_jobs()
        await self.auctions.outbid.close()  # before the notifier it hands notices to closes
        await self.giveaways.close()
        await self.announcer.close()
        await self.payments.gateway.close()


def build_shop(
    settings: Settings,
    db: Database,
    redis: Redis,
    events: RoomPublisher,
    shows: ShowRepository,
    products: ProductRepository,
    timeline: TimelineRepository,
    viewers: ViewerRepository,
    orders: OrderRepository,
    activity: ActivityRecorder,
) -> Shop:
    """Wire the shop (order matters only in that each part gets what it uses)."""
    catalogue = ShopCatalogue(shows, products, timeline)
    locks = RedisLocks(redis)
    stock_audit = StockAudit(StockCounters(redis), StockRecord(db), locks)
    stock = StockService(StockStore(redis), orders, stock_audit)
    announcer = StockAnnouncer(
        stock, catalogue, events, settings.shop.stock_update_interval_seconds
    )
    gateway = make_gateway(settings, db)
    reads = PaymentReads(gateway, RateLimiter(redis), settings.payments)
    payments = PaymentService(gateway, orders, reads)
    buyer_orders = BuyerOrders(db)
    settlement = Settlement(
        orders, stock, catalogue, timeline, viewers, gateway, announcer, locks, buyer_orders
    )
    carts = CartStore(redis, settings.shop.cart_ttl_seconds, settings.shop.max_cart_lines)
    checkouts = CheckoutStore(redis)
    auction_store = AuctionStore(redis)
    offers = AuctionOffers(
        auction_store, catalogue, stock, checkouts, announcer, settings.shop.auction_payment_seconds
    )
    pricing = PricingService(ShippingRepository(db), CouponRepository(db), buyer_orders)
    return Shop(
        catalogue=catalogue,
        stock=stock,
        announcer=announcer,
        carts=CartService(settings.shop, catalogue, stock, carts, activity),
        checkout=CheckoutService(
            settings.shop,
            catalogue,
            stock,
            carts,
            checkouts,
            orders,
            payments,
            announcer,
            activity,
            pricing,
        ),
        pricing=pricing,
        orders=OrderService(orders, payments, settlement),
        fulfilment=FulfilmentService(orders, shows, settlement),
        settlement=settlement,
        payments=payments,
        sweeper=HoldSweeper(stock.store, checkouts, announcer),
        reconciler=Reconciler(settings.shop, gateway, orders, settlement),
        stock_audit=stock_audit,
        locks=locks,
        giveaways=GiveawayService(
            settings.shop,
            catalogue,
            stock,
            announcer,
            events,
            GiveawayRecord(db),
            GiveawayEntries(redis),
            ModerationRepository(db),
            ChatLimits(redis),
            orders,
        ),
        sweeper_lease=Leadership(redis, "hold_sweeper"),
        reconciler_lease=Leadership(redis, "reconciliation"),
        auctions=AuctionService(
            auction_store,
            catalogue,
            stock,
            ModerationRepository(db),
            events,
            offers,
            AuctionMarks(db),
            OutbidNotices(product_title(catalogue)),
        ),
        auction_lease=Leadership(redis, "auction_closer"),
    )
